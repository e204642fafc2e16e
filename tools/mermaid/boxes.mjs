// Where Chromium draws the boxes and the text of rendered Mermaid flowcharts.
//
//   node tools/mermaid/boxes.mjs [--png] PUPPETEER_CONFIG_JSON DIAGRAM.svg...
//
// Shows each SVG (as mermaid-cli wrote it) in the Chromium named by the puppeteer config
// and prints one JSON object: {svg path: {kind, size, clusters, nodes, edgeLabels}}, every
// box {x, y, width, height} in page pixels. With --png, also saves what Chromium shows as
// DIAGRAM.png next to each SVG (for a person to look at). Text boxes are the extent of the glyphs (a DOM
// Range over the label), not of the element holding them, so a title that runs past the
// room Mermaid made for it shows up. tools/topology_picture.py checks them for overlaps.
import { readFileSync } from "node:fs";
import puppeteer from "puppeteer";

const args = process.argv.slice(2);
const png = args[0] === "--png";
const [configPath, ...svgs] = png ? args.slice(1) : args;
if (!configPath || svgs.length === 0) {
  console.error("usage: node tools/mermaid/boxes.mjs [--png] PUPPETEER_CONFIG_JSON DIAGRAM.svg...");
  process.exit(2);
}

// Runs in the page: the boxes of the one <svg> there.
function measure() {
  const box = (r) => ({ x: r.x, y: r.y, width: r.width, height: r.height });
  const text = (el) => {
    if (!el || !el.textContent.trim()) return null;
    const range = document.createRange();
    range.selectNodeContents(el);
    const html = el.querySelector("div") || el;
    const lines = (html.innerText ?? html.textContent).split("\n").map((line) => line.trim()).filter(Boolean);
    return { text: lines.join(" / "), box: box(range.getBoundingClientRect()) };
  };
  const svg = document.querySelector("svg");
  const clusters = [...svg.querySelectorAll("g.cluster")].map((g) => ({
    id: g.id,
    box: box(g.querySelector(":scope > rect").getBoundingClientRect()),
    title: text(g.querySelector(":scope > .cluster-label")),
  }));
  const nodes = [...svg.querySelectorAll("g.node")].map((g) => {
    const shape = g.querySelector(":scope > .label-container") || g;
    const label = g.querySelector(":scope > g.label");
    const frame = label && label.querySelector("foreignObject");
    return {
      id: g.id,
      shape: box(shape.getBoundingClientRect()),
      label: text(label),
      frame: frame ? box(frame.getBoundingClientRect()) : null,
    };
  });
  const edgeLabels = [...svg.querySelectorAll("g.edgeLabel")]
    .map((g) => ({ id: (g.querySelector("[data-id]") || g).getAttribute("data-id"), label: text(g) }))
    .filter((e) => e.label);
  const size = svg.getBoundingClientRect();
  return {
    kind: svg.getAttribute("aria-roledescription"),
    size: { width: size.width, height: size.height },
    clusters,
    nodes,
    edgeLabels,
  };
}

const config = JSON.parse(readFileSync(configPath, "utf8"));
const browser = await puppeteer.launch(config);
const out = {};
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 4000, height: 4000 });
  for (const svg of svgs) {
    // Inline in a page, as mermaid-cli draws it (a standalone SVG document would fill the
    // viewport's height).
    await page.setContent(`<!doctype html><body style="margin:0">${readFileSync(svg, "utf8")}</body>`);
    out[svg] = await page.evaluate(measure);
    if (png) {
      const element = await page.$("svg");
      await element.screenshot({ path: svg.replace(/\.svg$/, "") + ".png" });
    }
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out, null, 1) + "\n");

"""Plan review: a pull-request comment from every stack's plan (`python -m modules.review`),
with the data-at-risk warnings first and the topology diagram last. Reads plan JSON and the
config only: no Node.js, no AWS call."""

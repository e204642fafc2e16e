"""`images/keycloak/`: the Containerfile, its pom.xml and lock file agree with each other and
with what the rendered patch expects of the image. (No container runtime or Maven
repository here: the image itself is not built; see images/keycloak/README.md.)"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from modules.config import KeycloakSpec
from tests.conftest import ROOT

IMAGE = ROOT / "images" / "keycloak"
POM = "{http://maven.apache.org/POM/4.0.0}"
CONTAINERFILE = (IMAGE / "Containerfile").read_text()


def arg_default(name: str) -> str:
    (value,) = re.findall(rf"^ARG {name}=(\S+)$", CONTAINERFILE, re.MULTILINE)
    return value


def pom() -> ET.Element:
    return ET.parse(IMAGE / "pom.xml").getroot()


def test_build_args_default_to_the_pom_versions() -> None:
    properties = pom().find(f"{POM}properties")
    assert arg_default("WRAPPER_VERSION") == properties.findtext(f"{POM}wrapper.version") == "4.4.0"
    assert arg_default("AWS_SDK_VERSION") == properties.findtext(f"{POM}awssdk.version")
    assert arg_default("KEYCLOAK_VERSION").startswith("26.")
    assert '-Dwrapper.version="${WRAPPER_VERSION}" -Dawssdk.version="${AWS_SDK_VERSION}"' in CONTAINERFILE


def test_the_pom_asks_for_the_wrapper_token_signing_web_identity_and_one_http_client() -> None:
    dependencies = pom().find(f"{POM}dependencies")
    artifacts = {d.findtext(f"{POM}artifactId"): d for d in dependencies}
    assert set(artifacts) == {"aws-advanced-jdbc-wrapper", "rds", "sts", "url-connection-client"}
    # Netty and the Apache client clash with Keycloak's own and make the SDK find two clients.
    for name in ("rds", "sts"):
        excluded = {e.findtext(f"{POM}artifactId") for e in artifacts[name].iter(f"{POM}exclusion")}
        assert excluded == {"netty-nio-client", "apache-client"}


def test_the_optimized_build_makes_the_wrapper_the_driver() -> None:
    # db-driver is a build-time option: the rendered patch relies on the image having it.
    (build,) = re.findall(r"kc\.sh build ((?:[^\n\\]|\\\n)*)", CONTAINERFILE)
    options = build.replace("\\\n", " ").split()
    assert {"--db=postgres", "--db-driver=software.amazon.jdbc.Driver", "--transaction-xa-enabled=false"} <= set(options)


def test_the_ca_bundle_lands_where_the_jdbc_url_looks_for_it() -> None:
    default_path = KeycloakSpec.model_fields["tls_ca_path"].default
    assert f"COPY --from=deps /build/out/rds-ca-bundle.pem {default_path}" in CONTAINERFILE


def test_every_download_is_checked_against_the_lock_file() -> None:
    assert "--strict-checksums" in CONTAINERFILE and "sha256sum --check --strict" in CONTAINERFILE
    for line in (IMAGE / "lock.sha256").read_text().splitlines():
        assert line.startswith("#") or re.fullmatch(r"[0-9a-f]{64}  [A-Za-z0-9._-]+", line), line

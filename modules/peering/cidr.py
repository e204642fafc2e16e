"""The CIDR rules a peering must satisfy, written once in two languages.

`make preflight` checks them in Python (`ipaddress`) before anything runs; the peering
stacks check them again in Terraform, as lifecycle postconditions on the data sources
that read the ROSA VPC (`rosa_peering.py`), so that `cdktf deploy`, HCP Terraform runs
and pull-request plans all stop before anything is created. Terraform (up to 1.11 at
least) has no `cidrcontains`, so the HCL forms are built from `cidrhost` and `split`:

* A lies inside B when A's prefix is at least as long as B's and A's address, cut to B's
  prefix, is B's network address;
* two blocks overlap exactly when one contains the other, i.e. when both network
  addresses agree cut to the shorter of the two prefixes.

`tests/unit/peering/test_cidr.py` evaluates both forms on the same table of cases
(`terraform console` for HCL) and requires them to agree. Inputs are valid IPv4 CIDR
blocks (the config checks the form); host bits may be set.

The `hcl_*` functions take HCL expressions (`"\\"10.0.0.0/16\\""`, `self.cidr_block`, a
loop variable) and return an HCL expression, without the `${...}` around it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable


def _network(cidr: str) -> ipaddress.IPv4Network:
    return ipaddress.IPv4Network(cidr, strict=False)


# --- Python (preflight) ----------------------------------------------------------------


def inside(inner: str, outer: str) -> bool:
    """Whether every address of `inner` is in `outer`."""
    return _network(inner).subnet_of(_network(outer))


def overlaps(a: str, b: str) -> bool:
    """Whether `a` and `b` share an address."""
    return _network(a).overlaps(_network(b))


def fits_one_of(inner: str, blocks: Iterable[str]) -> bool:
    """Whether `inner` lies inside one of `blocks` (a VPC's primary and secondary CIDRs)."""
    return any(inside(inner, block) for block in blocks)


def overlapping(blocks: Iterable[str], other: str) -> list[str]:
    """The blocks among `blocks` that overlap `other`, in their order."""
    return [block for block in blocks if overlaps(block, other)]


# --- HCL (Terraform guards) ------------------------------------------------------------


def _hcl_prefix(cidr: str) -> str:
    return f'tonumber(split("/", {cidr})[1])'


def _hcl_network_at(cidr: str, prefix: str) -> str:
    """The network address of `cidr`'s address under prefix length `prefix`."""
    return f'cidrhost(format("%s/%d", cidrhost({cidr}, 0), {prefix}), 0)'


def hcl_inside(inner: str, outer: str) -> str:
    """HCL for `inside(inner, outer)`."""
    return f"({_hcl_prefix(inner)} >= {_hcl_prefix(outer)} && {_hcl_network_at(inner, _hcl_prefix(outer))} == cidrhost({outer}, 0))"


def hcl_overlaps(a: str, b: str) -> str:
    """HCL for `overlaps(a, b)`."""
    shorter = f"min({_hcl_prefix(a)}, {_hcl_prefix(b)})"
    return f"({_hcl_network_at(a, shorter)} == {_hcl_network_at(b, shorter)})"


def hcl_fits_one_of(inner: str, blocks: str) -> str:
    """HCL for `fits_one_of(inner, blocks)`; `blocks` is an HCL list of strings."""
    return f"anytrue([for block in {blocks} : {hcl_inside(inner, 'block')}])"


def hcl_overlapping(blocks: str, other: str) -> str:
    """HCL for `overlapping(blocks, other)`; `blocks` is an HCL list of strings."""
    return f"[for block in {blocks} : block if {hcl_overlaps('block', other)}]"


def hcl_string(value: str) -> str:
    """`value` as an HCL string literal (for a config value inside an expression)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("${", "$${").replace("%{", "%%{")
    return f'"{escaped}"'

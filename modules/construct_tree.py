"""The construct tree as Python built it: for every construct created from Python, its
scope, its construct id and the props it was given, kept on the Python side.

cdktf keeps the tree in Node.js: asking a construct for its path, logical id or own tags
costs a jsii round trip each (about 0.25 ms, whatever it carries). Every construct of this
app is created from Python through `jsii.create(class, object, [scope, id, props])`, so
recording that call (`record()`, once per process) answers those questions without
crossing to Node.js: `components()` gives the construct ids below the stack, which
`modules.logical_ids` turns into the logical id cdktf allocates; `props()` the config
struct's values (e.g. a resource's own `tags`).

A construct created before `record()`, or by cdktf itself in Node.js, is unknown here:
callers fall back to asking the kernel (`None` from `components()` and `props()`).
The synthesized JSON does not depend on whether `record()` was called: the golden tests
run with it (`modules.app.build_app` calls it), and
`tests/unit/fastsynth/test_construct_tree.py` synthesizes an example without it and
compares every byte with its golden files.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

#: id(construct) -> (construct, scope, construct id or None, props). The construct is kept
#: so that its id() is not reused; constructs live as long as their app anyway.
_created: dict[int, tuple[Any, Any, str | None, Any]] = {}
#: id(scope) -> the constructs created in it from Python, in creation order. A scope with
#: an entry here is held by its children's entries above, so its id() is not reused either.
_children: dict[int, list[Any]] = {}
_lock = threading.Lock()
_recording = False


def record() -> None:
    """From now on, record every construct created from Python (idempotent)."""
    global _recording
    with _lock:
        if _recording:
            return
        import jsii
        from constructs import Construct

        create = jsii.create

        def recording_create(klass: type, obj: Any, args: list[Any] | None = None) -> Any:
            ref = create(klass, obj, args)
            if args and isinstance(args[0], Construct):
                scope, rest = args[0], args[1:]
                # (scope, id, props), or (scope, props) for a construct whose id cdktf fixes
                # (a backend is always "backend"): its id is not known here.
                construct_id = rest.pop(0) if rest and isinstance(rest[0], str) else None
                _created[id(obj)] = (obj, scope, construct_id, rest[0] if rest else None)
                _children.setdefault(id(scope), []).append(obj)
            return ref

        jsii.create = recording_create
        _recording = True


def components(construct: Any, stack: Any = None) -> list[str] | None:
    """The construct ids from just below `stack` (default: the nearest stack above) down to
    `construct`, what a logical id is made of; None when part of the way was not recorded."""
    if stack is None:
        from cdktf import TerraformStack

        def is_top(node: Any) -> bool:
            return isinstance(node, TerraformStack)
    else:
        def is_top(node: Any) -> bool:
            return node is stack
    path: list[str] = []
    node = construct
    while not is_top(node):
        entry = _created.get(id(node))
        if entry is None or entry[0] is not node or entry[2] is None:
            return None
        _, scope, construct_id, _ = entry
        path.append(construct_id)
        node = scope
    path.reverse()
    return path


def descendants(scope: Any) -> list[Any] | None:
    """Every construct below `scope`, depth first, each before its own children and
    siblings in creation order (the order of cdktf's `node.find_all()`, without `scope`
    itself); None when `scope` was not recorded. Complete because this app creates every
    construct from Python: cdktf creates none of its own below a stack."""
    entry = _created.get(id(scope))
    if entry is None or entry[0] is not scope:
        return None
    found: list[Any] = []

    def walk(node: Any) -> None:
        for child in _children.get(id(node), ()):
            found.append(child)
            walk(child)

    walk(scope)
    return found


def construct_id(construct: Any) -> str | None:
    """The id `construct` was created with (`node.id`), or None when not recorded (or
    created without one, as a backend is)."""
    entry = _created.get(id(construct))
    return entry[2] if entry is not None and entry[0] is construct else None


def stack_id(construct: Any) -> str | None:
    """The id of the stack holding `construct`, or None when the way up was not recorded."""
    from cdktf import TerraformStack

    node = construct
    while not isinstance(node, TerraformStack):
        entry = _created.get(id(node))
        if entry is None or entry[0] is not node:
            return None
        node = entry[1]
    return construct_id(node)


def props(construct: Any) -> Mapping[str, Any] | None:
    """The values of the config struct `construct` was created with (by Python name, e.g.
    `tags`), {} for none, or None when its creation was not recorded."""
    entry = _created.get(id(construct))
    if entry is None or entry[0] is not construct:
        return None
    config = entry[3]
    return dict(getattr(config, "_values", None) or {})


#: The Python packages of the provider bindings, by provider: a class of submodule `<sub>`
#: is the Terraform type `<provider>_<sub>` (`cdktf_cdktf_provider_aws.vpc.Vpc` is
#: `aws_vpc`), of submodule `data_<provider>_<name>` the data source `<provider>_<name>`
#: (`...data_aws_vpc.DataAwsVpc` is the data source `aws_vpc`).
_PROVIDER_PACKAGES = {"cdktf_cdktf_provider_aws.": "aws", "cdktf_cdktf_provider_kubernetes.": "kubernetes"}


def _binding(cls: type) -> tuple[str, bool] | None:
    """(Terraform type, is a data source) of a provider binding class, else None."""
    module = cls.__module__
    for package, provider in _PROVIDER_PACKAGES.items():
        if module.startswith(package):
            sub = module[len(package):]
            if "." in sub:
                return None
            if sub.startswith(f"data_{provider}_"):
                return sub.removeprefix("data_"), True
            return f"{provider}_{sub}", False
    return None


def terraform_type(cls: type) -> str | None:
    """The Terraform type of an aws or kubernetes provider class, from its module's name
    (no round trip); None for any other class."""
    binding = _binding(cls)
    return binding[0] if binding else None


def _recorded_expression(construct: Any, attribute: str) -> str | None:
    """`expression()` for a provider resource or data source whose path was recorded, else None."""
    from modules.logical_ids import logical_id

    binding = _binding(type(construct))
    path = components(construct) if binding else None
    if binding is None or not path:
        return None
    resource_type, is_data = binding
    return f"{'data.' if is_data else ''}{resource_type}.{logical_id(path)}.{attribute}"


def expression(construct: Any, attribute: str) -> str:
    """`<type>.<logical id>.<attribute>` (`data.` first for a data source): the expression a
    token of the attribute stands for, as cdktf renders it inside a Terraform expression or
    `Fn` call. `attribute` may be a path (`metadata[0].name`). Built in Python for a provider
    resource or data source whose path was recorded; otherwise from the construct's `fqn`
    (one round trip)."""
    return _recorded_expression(construct, attribute) or f"{construct.fqn}.{attribute}"


def reference(construct: Any, attribute: str) -> Any:
    """`${<expression>}` (see `expression`): what cdktf renders for the attribute's token used
    as a whole argument or inside a string, without the round trip; where the path was not
    recorded, the token `construct.<attribute>`. Not for use inside `Fn` calls, where cdktf
    renders a token without `${}`."""
    hcl = _recorded_expression(construct, attribute)
    return f"${{{hcl}}}" if hcl is not None else getattr(construct, attribute)


def remote_output(remote_state: Any, name: str) -> Any:
    """Output `name` of a `terraform_remote_state` data source, as cdktf renders
    `remote_state.get_string(name)`, computed in Python where its path was recorded."""
    from modules.logical_ids import logical_id

    path = components(remote_state)
    if not path:
        return remote_state.get_string(name)
    return f"${{data.terraform_remote_state.{logical_id(path)}.outputs.{name}}}"

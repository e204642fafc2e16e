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

#: id(construct) -> (construct, scope, construct id, props). The construct is kept so that
#: its id() is not reused; constructs live as long as their app anyway.
_created: dict[int, tuple[Any, Any, str, Any]] = {}
_lock = threading.Lock()
_recording = False


def record() -> None:
    """From now on, record every construct created from Python (idempotent)."""
    global _recording
    with _lock:
        if _recording:
            return
        import jsii

        create = jsii.create

        def recording_create(klass: type, obj: Any, args: list[Any] | None = None) -> Any:
            ref = create(klass, obj, args)
            if args and len(args) >= 2 and isinstance(args[1], str):
                _created[id(obj)] = (obj, args[0], args[1], args[2] if len(args) > 2 else None)
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
        if entry is None or entry[0] is not node:
            return None
        _, scope, construct_id, _ = entry
        path.append(construct_id)
        node = scope
    path.reverse()
    return path


def construct_id(construct: Any) -> str | None:
    """The id `construct` was created with (`node.id`), or None when not recorded."""
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


#: The Python package of the aws provider's bindings: a class of its submodule `<sub>` is
#: the Terraform type `aws_<sub>` (`cdktf_cdktf_provider_aws.vpc.Vpc` is `aws_vpc`,
#: `...data_aws_vpc.DataAwsVpc` the data source `aws_vpc`).
_AWS_PACKAGE = "cdktf_cdktf_provider_aws."


def terraform_type(cls: type) -> str | None:
    """The Terraform type of an aws provider class, from its module's name (no round trip);
    None for any other class."""
    module = cls.__module__
    if not module.startswith(_AWS_PACKAGE):
        return None
    sub = module[len(_AWS_PACKAGE):]
    if "." in sub:
        return None
    return sub.removeprefix("data_") if sub.startswith("data_aws_") else f"aws_{sub}"


def reference(construct: Any, attribute: str) -> Any:
    """`${<type>.<logical id>.<attribute>}` for an aws provider resource or data source whose
    path was recorded: what cdktf renders for the attribute's token used as a whole argument
    or inside a string, without the round trip; else the token (`construct.<attribute>`).
    Not for use inside `Fn` calls, where cdktf renders a token without `${}`."""
    from modules.logical_ids import logical_id

    resource_type = terraform_type(type(construct))
    path = components(construct) if resource_type else None
    if resource_type is None or not path:
        return getattr(construct, attribute)
    prefix = "data." if type(construct).__module__.startswith(_AWS_PACKAGE + "data_aws_") else ""
    return f"${{{prefix}{resource_type}.{logical_id(path)}.{attribute}}}"


def remote_output(remote_state: Any, name: str) -> Any:
    """Output `name` of a `terraform_remote_state` data source, as cdktf renders
    `remote_state.get_string(name)`, computed in Python where its path was recorded."""
    from modules.logical_ids import logical_id

    path = components(remote_state)
    if not path:
        return remote_state.get_string(name)
    return f"${{data.terraform_remote_state.{logical_id(path)}.outputs.{name}}}"

"""Fast synth: the prebuilt provider bindings loaded lazily in Python and in the jsii
kernel (`provider_loading.py`, with its Node.js side in `lazy_preload.js` and
`direct_runtime.js`), and the bindings' argument checks made cheaper (`argument_checks.py`).
Entry points call `install()` before anything imports cdktf; importing this package does
nothing by itself."""

from modules.fastsynth.provider_loading import enabled, install

__all__ = ["enabled", "install"]

"""One group of measurements in a fresh interpreter.

``python -m bench.perf.epoch.probe GROUP CONFIG_JSON`` prints one JSON object as
its last line of output. The parent (:mod:`bench.perf.measure`) starts it
with every BLAS/OpenMP/TensorFlow thread variable set to the same count;
here the count is applied once more through each library's own switch
(threadpoolctl, ``torch.set_num_threads``, TensorFlow's threading config).

Groups:

* ``numpy``: the NumPy MLP (the workload's activation, and sigmoid/ReLU as a
  second case), the matmul-only epoch and scikit-learn, interleaved epoch by
  epoch so that they share the same load;
* ``numpy-reference``: the NumPy MLP and matmul-only alone (a second thread
  count, for reference);
* ``torch`` / ``keras``: the framework's epochs between two blocks of NumPy
  MLP epochs (A-B-A), so its ratio is also measured side by side.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from typing import Any

from bench.perf.workload import Workload, make_data


def limit_threads(threads: int) -> None:
    """Numpy/scikit-learn BLAS and any OpenMP runtime loaded so far."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads)


def blas_info() -> list[dict[str, Any]]:
    from threadpoolctl import threadpool_info

    keys = ("internal_api", "version", "architecture", "threading_layer", "num_threads", "filepath")
    return [{k: pool.get(k) for k in keys} for pool in threadpool_info()]


def second_activation(workload: Workload) -> str:
    return "sigmoid" if workload.hidden_activation != "sigmoid" else "relu"


def numpy_group(workload: Workload, threads: int, peers: bool = True) -> dict[str, Any]:
    from bench.perf.epoch.matmul_only import MatmulOnlyEpoch
    from bench.perf.epoch.peers import numpy_epoch, sklearn_epoch
    from bench.perf.timing import interleaved

    X, Y = make_data(workload)
    other = dataclasses.replace(workload, hidden_activation=second_activation(workload))
    matmul = MatmulOnlyEpoch(workload.layers, workload.batch_size, workload.dtype, workload.seed)
    runs = {f"numpy_{workload.hidden_activation}": numpy_epoch(workload, X, Y),
            "matmul_only": lambda: matmul.epoch(X)}
    if peers:
        runs[f"numpy_{other.hidden_activation}"] = numpy_epoch(other, X, Y)
        runs["sklearn"] = sklearn_epoch(workload, X, Y)
    limit_threads(threads)
    times = interleaved(runs, rounds=workload.epochs, warmup_rounds=workload.warmup_epochs)
    import numpy as np

    return {
        "times": times,
        "matmul_gemms_per_batch": matmul.gemms_per_batch(),
        "matmul_flops_per_epoch": matmul.flops(workload.rows),
        "blas": blas_info(),
        "numpy_version": np.__version__,
        "labels": {"sklearn": "MLPClassifier(solver='sgd') directly, one partial_fit per epoch"},
    }


def framework_group(name: str, workload: Workload, threads: int, device: str) -> dict[str, Any]:
    from bench.perf.epoch.peers import framework_epochs, numpy_epoch
    from bench.perf.timing import interleaved

    X, Y = make_data(workload)
    limit_threads(threads)
    reference = {"numpy": numpy_epoch(workload, X, Y)}
    before = interleaved(reference, rounds=workload.epochs, warmup_rounds=workload.warmup_epochs)
    times, label = framework_epochs(name, workload, X, Y, device, threads)
    limit_threads(threads)  # the framework may have loaded its own OpenMP/BLAS meanwhile
    after = interleaved(reference, rounds=workload.epochs, warmup_rounds=0)
    return {"times": {name: times, "numpy": before["numpy"] + after["numpy"]}, "labels": {name: label},
            "blas": blas_info()}


def gpu_status(name: str) -> tuple[bool, str]:
    """Whether ``name`` (torch or keras) sees a GPU here, and if not, why."""
    try:
        if name == "torch":
            import torch

            if torch.cuda.is_available():
                return True, torch.cuda.get_device_name(0)
            return False, f"torch {torch.__version__} sees no CUDA device"
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        return (True, gpus[0].name) if gpus else (False, f"tensorflow {tf.__version__} lists no GPU")
    except Exception as exc:  # noqa: BLE001
        return False, f"{name} could not be asked: {type(exc).__name__}: {exc}"


def run_group(group: str, config: dict[str, Any]) -> dict[str, Any]:
    workload = Workload.from_dict(config["workload"])
    threads = int(config["threads"])
    result: dict[str, Any] = {"group": group, "threads": threads, "device": "cpu", "notes": []}
    if group in ("numpy", "numpy-reference"):
        result.update(numpy_group(workload, threads, peers=group == "numpy"))
        return result
    device = config.get("device", "cpu")
    if device == "gpu":
        ok, why = gpu_status(group)
        if ok:
            result["notes"].append(f"{group} on GPU: {why}")
        else:
            result["notes"].append(f"--device gpu: {why}; {group} measured on cpu instead "
                                   "(GPU figures need a machine with a GPU)")
            device = "cpu"
    result["device"] = device
    result.update(framework_group(group, workload, threads, device))
    return result


def main(argv: list[str]) -> int:
    group, config_json = argv
    result = run_group(group, json.loads(config_json))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

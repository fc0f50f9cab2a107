"""Let ``pybrain3`` 3.0.4 import on modern SciPy and NumPy.

PyBrain was written when SciPy re-exported NumPy's functions at its top level
(``from scipy import zeros, dot``) and when NumPy still had ``numpy.mat``.
SciPy deprecated those re-exports and has since removed them, and NumPy 2
removed ``mat``, so ``import pybrain3.structure`` fails with
``ImportError: cannot import name 'reshape' from 'scipy'``.

:func:`apply` puts back on the ``scipy`` module exactly the names that the
modules loaded by ``pybrain3.structure``, ``pybrain3.datasets`` and
``pybrain3.supervised.trainers`` take from it, each bound to the NumPy object
SciPy used to re-export (so the maths is NumPy's, unchanged). It only adds
names SciPy lacks, changes nothing else, and is idempotent. Call it before
the first ``import pybrain3``.
"""

from __future__ import annotations

import numpy
import scipy

#: pybrain3 module (below ``pybrain3.``) -> the names it needs from ``scipy``.
#: A package ``__init__`` imports all its modules, so unused ones count too.
SCIPY_NAMES_BY_MODULE: dict[str, tuple[str, ...]] = {
    # FullConnection: reshape(params, (out, in)) @ inputs forward; outer() for the derivatives.
    "structure.connections.full": ("reshape", "dot", "outer"),
    # FullNotSelfConnection (imported by structure.connections): as above, eye() masks the diagonal.
    "structure.connections.fullnotself": ("reshape", "dot", "outer", "eye"),
    # ParameterContainer: zeros() for params/derivs, size() and ndarray checks in _setParameters.
    "structure.parametercontainer": ("size", "zeros", "ndarray", "array"),
    # Network.sortModules: scipy.size / scipy.concatenate gather all connection params in one array.
    "structure.networks.network": ("size", "concatenate"),
    # Module: zeros() allocates the input/output/error buffers.
    "structure.modules.module": ("zeros",),
    # TanhLayer forward pass; LSTM/MDLSTM layers (imported by structure.modules) too.
    "structure.modules.tanhlayer": ("tanh",),
    "structure.modules.mdlstm": ("zeros", "tanh"),
    # Gaussian, state-dependent and Kohonen layers (imported by structure.modules): random draws, grids.
    "structure.modules.statedependentlayer": ("random", "asarray", "zeros", "dot"),
    "structure.modules.kohonen": ("random", "mgrid", "zeros", "tile", "array", "floor", "sum"),
    # Border-swiping / neuron-decomposable networks (imported by structure.networks): buffers.
    "structure.networks.borderswiping": ("zeros",),
    # tools.functions (sigmoid, safeExp used by SigmoidLayer/SoftmaxLayer): exp, clip and friends.
    "tools.functions": ("array", "exp", "tanh", "clip", "log", "dot", "sqrt", "power", "pi", "tan",
                        "diag", "rand"),
    # utilities (imported by the trainers and datasets): helpers built on where/exp/mat.
    "utilities": ("where", "array", "exp", "zeros", "size", "mat"),
    # DataSet storage: zeros/resize grow the fields, ravel/asarray append rows.
    "datasets.dataset": ("zeros", "resize", "ravel", "asarray"),
    "datasets.supervised": ("isscalar",),
    "datasets.sequential": ("ravel", "r_"),
    "datasets.importance": ("ones", "dot"),
    # BackpropTrainer: dot() for the error, argmax() for class outputs; RPropMinusTrainer: sqrt.
    "supervised.trainers.backprop": ("dot", "argmax"),
    "supervised.trainers.rprop": ("sqrt",),
    # GradientDescent (BackpropTrainer's update rule, imported via pybrain3.auxiliary).
    "auxiliary.gradientdescent": ("zeros", "asarray", "sign", "array", "cov", "dot", "clip", "ndarray"),
    # Gaussian processes (imported by pybrain3.auxiliary): numpy helpers.
    "auxiliary.gaussprocess": ("r_", "exp", "zeros", "eye", "array", "asarray", "random", "ravel", "diag",
                               "sqrt", "sin", "cos", "sort", "mgrid", "dot", "floor", "c_"),
}

#: Names whose NumPy object is not ``numpy.<same name>``.
NUMPY_SOURCES = {
    "mat": numpy.asmatrix,  # numpy.mat was an alias of asmatrix (removed in NumPy 2)
    "rand": numpy.random.rand,  # scipy.rand was numpy.random.rand
    "random": numpy.random,  # scipy.random was the numpy.random module
}


def needed_names() -> list[str]:
    """Every name pybrain3 takes from ``scipy``, sorted."""
    return sorted({name for names in SCIPY_NAMES_BY_MODULE.values() for name in names})


def apply() -> list[str]:
    """Add the missing names to ``scipy``; returns those added (empty the second time)."""
    added = []
    for name in needed_names():
        if hasattr(scipy, name):
            continue
        setattr(scipy, name, NUMPY_SOURCES[name] if name in NUMPY_SOURCES else getattr(numpy, name))
        added.append(name)
    return added

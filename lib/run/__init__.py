"""The run layer: plan, execute, render and record the reports of a batch (``python -m lib.run``).

Import cost: nbformat (read by the batch process and its workers) validates
notebooks with jsonschema, whose format checkers import ``rfc3987_syntax``
when it is installed; that package compiles dozens of parsers as it loads
(about 1.6 s, more on a busy machine; python-jsonschema/jsonschema#1428). No notebook
schema uses the ``iri`` formats it checks, so the batch's processes skip it.

Likewise pandera, as the processed tables' schemas are built, imports its optional
dask integration, ``dask.dataframe`` (a few tenths of a second of every import of the
report stack, which the batch process does once for its workers' kernels when dask is
installed for the Dask executor); the batch validates pandas frames only. A kernel
forked from the batch's processes (``--fork-kernels``, :mod:`lib.run.zygote`) may import
``dask.dataframe`` again.
"""

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # an import of it raises ImportError: jsonschema goes without
sys.modules.setdefault("dask.dataframe", None)  # likewise: pandera goes without its dask types

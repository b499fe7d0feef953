"""Tools for evaluators who work in JupyterLab: the run form (:mod:`lib.workbench.run_form`)."""

"""The run room: plan, execute, render and record the reports of a batch (``python -m lib.run``)."""

"""Small notebooks for the execution tests: a parameters cell, then the given code cells."""

import nbformat


def write_notebook(path, *sources):
    """Write a notebook for the ``csm`` kernel — a cell tagged ``parameters`` (``x = 1``), then one
    code cell per source — to ``path`` and return the path."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"name": "csm", "display_name": "csm", "language": "python"}}
    nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]})]
    nb.cells += [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, path)
    return path

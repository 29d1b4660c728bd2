"""Build a report notebook from a percent-format script (``# %%`` cells).

``# %% [markdown]`` starts a Markdown cell (its lines lose the leading ``# ``);
a line ``---fa---`` in a Markdown cell starts its Persian version (kept in the cell's
metadata and used when the report language is ``fa``);
a line ``#| reads: 02_satisfaction, 04_kano`` (``*`` = every other notebook) before the first cell
declares which results of the same wave the notebook reads, so the pipeline runs those first;
``# %% tags=["parameters"]`` starts the papermill parameters cell. The notebook is written
without outputs, with the ``csm`` kernel. Usage: python tools/py2nb.py src.py notebooks/NN_x.ipynb
"""

import json
import re
import sys

import nbformat

TRANSLATION_MARK = "---fa---"


def convert(text: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "CSM workbench", "language": "python", "name": "csm"},
        "language_info": {"name": "python"},
    }
    reads = re.search(r"^#\| reads: (.*)$", text, flags=re.M)
    if reads:  # the other notebooks of the wave whose results this one reads (csmlib.batch.pipeline)
        nb.metadata["csm"] = {"reads": [r.strip() for r in reads.group(1).split(",") if r.strip()]}
    for chunk in re.split(r"^# %%", text, flags=re.M)[1:]:
        header, _, body = chunk.partition("\n")
        body = body.strip("\n")
        if "[markdown]" in header:
            lines = [re.sub(r"^# ?", "", line) for line in body.splitlines()]
            text = "\n".join(lines)
            english, sep, persian = text.partition(TRANSLATION_MARK)
            cell = nbformat.v4.new_markdown_cell(english.strip("\n"))
            if sep:  # the Persian text, swapped in by csmlib.report.render for language: fa
                cell.metadata["csm"] = {"fa": persian.strip("\n")}
            nb.cells.append(cell)
        else:
            cell = nbformat.v4.new_code_cell(body)
            match = re.search(r"tags=(\[.*\])", header)
            if match:
                cell.metadata["tags"] = json.loads(match.group(1))
            nb.cells.append(cell)
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i:02d}"
    return nb


if __name__ == "__main__":
    src, dst = sys.argv[1], sys.argv[2]
    nbformat.write(convert(open(src, encoding="utf-8").read()), dst)

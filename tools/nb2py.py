"""Write a report notebook back as a percent-format script (the inverse of tools/py2nb.py).

Persian Markdown kept in cell metadata is written after a ``---fa---`` line. Usage:
python tools/nb2py.py notebooks/NN_x.ipynb script.py
"""

import json, sys

nb = json.load(open(sys.argv[1]))
out = []
reads = nb.get("metadata", {}).get("csm", {}).get("reads")
if reads:
    out.append("#| reads: " + ", ".join(reads))
for c in nb["cells"]:
    src = "".join(c["source"])
    persian = c.get("metadata", {}).get("csm", {}).get("fa")
    if persian:
        src = src + "\n---fa---\n" + persian
    if c["cell_type"] == "markdown":
        out.append("# %% [markdown]\n" + "\n".join(("# " + l) if l else "#" for l in src.splitlines()))
    else:
        tags = c["metadata"].get("tags")
        out.append("# %%" + (f" tags={json.dumps(tags)}" if tags else "") + "\n" + src)
open(sys.argv[2], "w").write("\n\n".join(out) + "\n")

"""Labels next to the points of a scatter that never overlap one another or the chart's fixed texts.

Two steps. adjustText (Flyamer et al., https://github.com/Phlya/adjustText) pushes the labels apart
and away from the points, within the axes, with a fixed number of iterations (so a figure is the
same every run). It is a heuristic: a crowded cluster can keep an overlap. So every label is then
checked against the labels before it (in the caller's order of importance) and the fixed texts
(quadrant names): one that still overlaps moves to the nearest free place around its point, on
rings of growing radius. A label moved away from its point gets a thin leader line back to it.

The checks use the renderer's extents of the texts after the figure's final layout, so
:meth:`PointLabels.place` runs last (:func:`csmlib.report.plots.finish` calls it).
"""

from __future__ import annotations

import numpy as np
from adjustText import adjust_text
from matplotlib.transforms import Bbox

LEADER_COLOUR = "#777777"
PAD = 2.0  # px kept free around each label
LEADER_MIN = 8.0  # px: a label farther than this from its point gets a leader line
RING_STEP = 6.0  # px between the rings of candidate places
RING_ANGLES = np.deg2rad([30, 150, 210, 330, 90, 270, 0, 180, 60, 120, 240, 300])


def overlapping(boxes: list[Bbox], pad: float = 0.0) -> list[tuple[int, int]]:
    """Index pairs of the boxes that overlap (``pad`` pixels kept free around each).

    >>> overlapping([Bbox.from_bounds(0, 0, 10, 10), Bbox.from_bounds(5, 5, 10, 10), Bbox.from_bounds(30, 0, 5, 5)])
    [(0, 1)]
    """
    return [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes)) if _overlap(boxes[i], boxes[j], pad)]


def _overlap(a: Bbox, b: Bbox, pad: float) -> bool:
    return a.x0 - pad < b.x1 and b.x0 - pad < a.x1 and a.y0 - pad < b.y1 and b.y0 - pad < a.y1


def _inside(box: Bbox, frame: Bbox) -> bool:
    return box.x0 >= frame.x0 and box.x1 <= frame.x1 and box.y0 >= frame.y0 and box.y1 <= frame.y1


class PointLabels:
    """The labels of one axes' points, placed by :meth:`place` once the layout is final.

    ``points``: x and y of every point drawn (labelled or not), which labels keep clear of;
    ``avoid``: texts already on the axes (quadrant names) that labels must not cover.
    """

    def __init__(self, ax, *, points=None, avoid=()):
        self.ax = ax
        self.texts = []
        self.targets = []
        self.points = np.asarray(points, float).reshape(2, -1) if points is not None else np.empty((2, 0))
        self.avoid = list(avoid)

    def add(self, x: float, y: float, text: str, **style):
        """A label for the point (x, y); add the most important first: they keep the best places."""
        if not (np.isfinite(x) and np.isfinite(y)):
            return None
        label = self.ax.text(x, y, text, fontsize=style.pop("fontsize", 8), ha="left", va="bottom", zorder=4, **style)
        self.texts.append(label)
        self.targets.append((float(x), float(y)))
        return label

    def place(self) -> None:
        """Move the labels apart (adjustText), resolve what overlap remains, draw the leader lines."""
        if not self.texts:
            return
        ax, fig = self.ax, self.ax.figure
        ax.set_xlim(ax.get_xlim())  # the view is final: leader lines must not widen it
        ax.set_ylim(ax.get_ylim())
        # laid out, not painted: the texts' extents are all that is read here (a painted drawing
        # costs a tenth of a second, and the page's figure is drawn once, by plots.png)
        fig.draw_without_rendering()
        renderer = fig.canvas.get_renderer()
        fixed = [text.get_window_extent(renderer) for text in self.avoid if text.get_text()]
        to_data = ax.transData.inverted()
        points = self.points[:, np.isfinite(self.points).all(axis=0)]
        adjust_text(
            self.texts,
            ax=ax,
            x=points[0] if points.size else None,
            y=points[1] if points.size else None,
            # adjustText takes boxes to avoid in data coordinates
            objects=[box.transformed(to_data) for box in fixed] or None,
            expand=(1.2, 1.5),
            force_text=(0.3, 0.6),
            force_static=(0.2, 0.4),
            iter_lim=150,  # enough to spread the labels; _resolve settles what remains
            ensure_inside_axes=True,
        )
        fig.draw_without_rendering()
        self._resolve(renderer, fixed)
        self._leaders(renderer)

    def _resolve(self, renderer, fixed: list[Bbox]) -> None:
        """Keep each label that covers no point and no label placed before it; move the others to the nearest
        free place (one that covers no point if there is one)."""
        ax = self.ax
        frame = ax.get_window_extent(renderer)
        placed = list(fixed)
        marker = 4.0  # px: half the size of a point's marker
        dots = [
            Bbox.from_extents(x - marker, y - marker, x + marker, y + marker) for x, y in ax.transData.transform(self.points.T)
        ]
        for text, target in zip(self.texts, self.targets):
            box = text.get_window_extent(renderer)
            if _inside(box, frame) and not any(_overlap(box, other, PAD) for other in placed + dots):
                placed.append(box)
                continue
            tx, ty = ax.transData.transform(target)
            spot = self._free_spot(box, (tx, ty), frame, placed, dots) or self._free_spot(box, (tx, ty), frame, placed, [])
            if spot is None:
                placed.append(box)  # nowhere free: left where it is (the tests would show it)
                continue
            text.set_horizontalalignment("center")
            text.set_verticalalignment("center")
            text.set_position(ax.transData.inverted().transform(spot.get_points().mean(axis=0)))
            placed.append(text.get_window_extent(renderer))

    @staticmethod
    def _free_spot(box: Bbox, target, frame: Bbox, placed: list[Bbox], dots: list[Bbox]) -> Bbox | None:
        width, height = box.width, box.height
        reach = max(frame.width, frame.height)
        for radius in np.arange(RING_STEP, reach, RING_STEP):
            for angle in RING_ANGLES:
                cx = target[0] + np.cos(angle) * (radius + width / 2)
                cy = target[1] + np.sin(angle) * (radius + height / 2)
                spot = Bbox.from_bounds(cx - width / 2, cy - height / 2, width, height)
                if (
                    _inside(spot, frame)
                    and not any(_overlap(spot, other, PAD) for other in placed)
                    and not any(_overlap(spot, dot, 0) for dot in dots)
                ):
                    return spot
        return None

    def _leaders(self, renderer) -> None:
        """A thin line from each label that left its point, from the label's edge to just short of the point."""
        ax = self.ax
        for text, target in zip(self.texts, self.targets):
            box = text.get_window_extent(renderer).padded(1)
            tx, ty = ax.transData.transform(target)
            cx, cy = box.get_points().mean(axis=0)
            dx, dy = tx - cx, ty - cy
            # the ray from the label's centre to its point leaves the box at this fraction of the way
            scale = min(box.width / 2 / abs(dx) if dx else np.inf, box.height / 2 / abs(dy) if dy else np.inf)
            if scale >= 1:
                continue  # the point is under the label's box
            gap = np.hypot(dx, dy) * (1 - scale)
            if gap < LEADER_MIN:
                continue
            start = (cx + dx * scale, cy + dy * scale)
            end = (tx - dx / np.hypot(dx, dy) * 4, ty - dy / np.hypot(dx, dy) * 4)
            (x0, y0), (x1, y1) = ax.transData.inverted().transform([start, end])
            ax.plot([x0, x1], [y0, y1], color=LEADER_COLOUR, linewidth=0.6, zorder=2, scalex=False, scaley=False)

"""The course style keeps figures within the notebook column and their text readable."""

from __future__ import annotations

import io

import matplotlib as mpl
import matplotlib.pyplot as plt
from PIL import Image

from mlopt.plotting import COURSE_STYLE, use_course_style

NOTEBOOK_COLUMN_PX = 800  # JupyterLab's output column beside the file browser


def _png_size(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return Image.open(buf).size


def test_full_width_figure_fits_the_notebook_column_unscaled():
    with mpl.rc_context():
        use_course_style()
        fig, _ = plt.subplots(1, 3, figsize=(9.6, 3.2))
        width, height = _png_size(fig)
        plt.close(fig)
    assert width <= NOTEBOOK_COLUMN_PX, width
    assert height < width


def test_text_is_at_least_11_px_high_at_the_course_dpi():
    # A point is 1/72 inch: the rendered height of the smallest text in pixels.
    smallest = min(COURSE_STYLE[k] for k in ("font.size", "xtick.labelsize", "legend.fontsize"))
    assert smallest * COURSE_STYLE["figure.dpi"] / 72 >= 11


def test_style_is_restored_outside_an_rc_context():
    before = mpl.rcParams["figure.dpi"]
    with mpl.rc_context():
        use_course_style()
        assert mpl.rcParams["figure.dpi"] == COURSE_STYLE["figure.dpi"]
    assert mpl.rcParams["figure.dpi"] == before

"""Look and behaviour shared by all tabs: the theme (system CJK fonts, nothing fetched), the CSS
(web/style.css) and the page script (web/page.js: copy, sources in place, links into 原文 with a
way back, the question box's counter and busy state, accessible chat messages)."""
from __future__ import annotations

from pathlib import Path

import gradio as gr

HERE = Path(__file__).resolve().parent
# System fonts only: nothing is downloaded, and Chinese uses whatever CJK font the device has.
FONTS = ["Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB",
         "Microsoft YaHei", "WenQuanYi Micro Hei", "system-ui", "sans-serif"]
MONO = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "Noto Sans Mono CJK SC", "monospace"]


def theme() -> gr.themes.Base:
    """gradio's default theme, with text colours that keep 4.5:1 contrast in light and dark."""
    return gr.themes.Default(primary_hue="red", neutral_hue="slate", font=FONTS, font_mono=MONO).set(
        body_text_color_subdued="*neutral_600", body_text_color_subdued_dark="*neutral_400",
        button_primary_background_fill="*primary_700", button_primary_background_fill_hover="*primary_800",
        button_primary_background_fill_dark="*primary_700", button_primary_background_fill_hover_dark="*primary_800",
        link_text_color="#1d4ed8", link_text_color_visited="#6d28d9",
        link_text_color_dark="#93c5fd", link_text_color_visited_dark="#c4b5fd")


CSS = (HERE / "style.css").read_text(encoding="utf-8")
HEAD = f"<script>\n{(HERE / 'page.js').read_text(encoding='utf-8')}\n</script>"

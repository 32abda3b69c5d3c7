"""Look and behaviour shared by all tabs: theme (system CJK fonts, nothing fetched), CSS, and the
small script that makes citation links open the 原文 tab at the cited clause."""
from __future__ import annotations

import gradio as gr

# System fonts only: nothing is downloaded, and Chinese uses whatever CJK font the device has.
FONTS = ["Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB",
         "Microsoft YaHei", "WenQuanYi Micro Hei", "system-ui", "sans-serif"]
MONO = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "Noto Sans Mono CJK SC", "monospace"]


def theme() -> gr.themes.Base:
    return gr.themes.Default(primary_hue="red", neutral_hue="slate", font=FONTS, font_mono=MONO)


CSS = """
.gradio-container { max-width: 1400px !important; }
#app-header h1 { font-size: 1.25rem; margin: 0; }
#app-header p { margin: .15rem 0 0; color: var(--body-text-color-subdued); font-size: .9rem; }
.welcome { font-size: .92rem; line-height: 1.55; padding: .6rem .9rem; border-radius: 8px;
           background: var(--background-fill-secondary); border: 1px solid var(--border-color-primary); }
.welcome p { margin: .3rem 0 0; }
.welcome-no { color: var(--body-text-color-subdued); }
mark { background: #fde68a; color: inherit; padding: 0 1px; border-radius: 2px; }
.quoted { background: #e0f2fe; box-shadow: inset 0 -2px 0 #7dd3fc; }
sup.cite { color: var(--color-accent); font-weight: 600; font-size: .72em; }
.answer-text { line-height: 1.65; }
.answer.notfound { border-left: 4px solid #d97706; background: #fffbeb; padding: .45rem .7rem; border-radius: 4px; }
.dark .answer.notfound { background: #3a2a06; }
.nf-label::before { content: "!"; display: inline-block; width: 1.2em; height: 1.2em; line-height: 1.2em;
  text-align: center; border-radius: 50%; background: #d97706; color: #fff; margin-right: .35em; font-size: .85em; }
.nf-label { font-weight: 600; color: #b45309; margin-bottom: .3rem; font-size: .9em; }
.pending { color: var(--body-text-color-subdued); font-style: italic; }
details.msg-sources { margin-top: .55rem; border-top: 1px dashed var(--border-color-primary); padding-top: .35rem; }
details.msg-sources summary { cursor: pointer; color: var(--color-accent); font-size: .88em; }
.src-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: .5rem .7rem;
            margin: .45rem 0; background: var(--background-fill-primary); font-size: .9rem; line-height: 1.6; }
.src-head { font-weight: 600; }
.src-num { color: var(--color-accent); }
.src-id, .doc-id, .row-id { font-size: .75em; color: var(--body-text-color-subdued); font-weight: normal;
                            font-family: var(--font-mono); }
.src-sub { font-size: .8em; color: var(--body-text-color-subdued); margin: .1rem 0 .3rem; }
.src-note, .legend { font-size: .8em; color: var(--body-text-color-subdued); }
dl.annex-row { display: grid; grid-template-columns: 5.2em 1fr; gap: .15rem .6rem; margin: 0; }
dl.annex-row dt { color: var(--body-text-color-subdued); }
dl.annex-row dd { margin: 0; }
sup.inherited { color: #b45309; font-weight: 700; }
.empty { color: var(--body-text-color-subdued); }
#sources-col { position: sticky; top: .5rem; align-self: flex-start; }
#sources-panel { max-height: 78vh; overflow-y: auto; padding-right: .2rem; }
.panel-empty, .panel-head { font-size: .9rem; line-height: 1.55; }
.panel-q { color: var(--body-text-color-subdued); }
#examples { gap: .35rem !important; }
.example-row { flex-wrap: wrap !important; gap: .35rem !important; align-items: center; }
.example-row > * { flex: 0 1 auto !important; min-width: 0 !important; }
.ex-label { font-size: .8rem; color: var(--body-text-color-subdued); white-space: nowrap; }
.ex-label-box { flex: 0 0 auto !important; width: auto !important; }
button.example { white-space: normal !important; text-align: left; }
#feedback-box { padding: .3rem; }
.resp-count { font-size: .95rem; margin: .2rem 0 .5rem; }
.table-wrap { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table.duties, table.targets { border-collapse: collapse; width: 100%; font-size: .88rem; line-height: 1.5; }
table.duties th, table.duties td, table.targets th, table.targets td {
  border: 1px solid var(--border-color-primary); padding: .35rem .5rem; vertical-align: top; text-align: left; }
table.duties th, table.targets th { background: var(--background-fill-secondary); position: sticky; top: 0; }
td.c-group { min-width: 7em; } td.c-item { min-width: 9em; } td.c-task { min-width: 16em; }
td.c-time { min-width: 8em; } td.c-lead { min-width: 7em; } td.c-coop { min-width: 9em; }
table.doc-annex { table-layout: fixed; min-width: 36rem; }
col.w-task { width: 44%; } col.w-time { width: 22%; } col.w-lead { width: 15%; } col.w-coop { width: 19%; }
td.cont { border-top-color: transparent !important; }
.doc { max-width: 52rem; line-height: 1.8; font-size: 1rem; }
.doc h2 { text-align: center; font-size: 1.3rem; } .doc h3 { font-size: 1.1rem; margin-top: 1.2rem; }
.doc h4 { font-size: 1rem; margin-top: 1rem; } .doc h5 { font-size: .95rem; margin: .8rem 0 .3rem; }
.doc-notice { color: var(--body-text-color-subdued); font-size: .9rem; }
.doc section, .doc tr, .doc-item { scroll-margin-top: 4rem; }
.flash { animation: flash 2.2s ease-out; }
@keyframes flash { 0%, 40% { background: #fde68a; } 100% { background: transparent; } }
@media (max-width: 640px) {
  .gradio-container { padding: 0 .35rem !important; }
  #chat { height: 58vh !important; }
  .ex-label-box { flex-basis: 100% !important; }
  .welcome { font-size: .84rem; line-height: 1.5; padding: .45rem .6rem; }
  table.duties, table.targets { font-size: .8rem; }
  #sources-col { position: static; }
  #sources-panel { max-height: none; }
}
"""

# Citation links (#src-…) live in the chat and the tables; the target is in the 原文 tab, which is
# hidden until selected. Select it (also through the "more tabs" menu on narrow screens), wait
# until the anchor is laid out, then scroll to it and flash it.
HEAD = """<script>
(() => {
  const visible = (el) => el && el.offsetParent !== null;
  const findTab = () => {
    const tabs = [...document.querySelectorAll('[role="tab"]')].filter((b) => b.textContent.trim().startsWith('原文'));
    return tabs.find(visible) || tabs[0];
  };
  document.addEventListener('click', (ev) => {
    const link = ev.target.closest && ev.target.closest('a[href^="#src-"]');
    if (!link) return;
    ev.preventDefault();
    const id = decodeURIComponent(link.getAttribute('href').slice(1));
    const go = () => {
      const el = document.getElementById(id);
      if (!el) return;
      el.scrollIntoView({ block: 'start', behavior: 'smooth' });
      el.classList.remove('flash'); void el.offsetWidth; el.classList.add('flash');
    };
    if (visible(document.getElementById(id))) { go(); return; }
    let tab = findTab();
    if (!visible(tab)) {
      const more = document.querySelector('button[aria-label="More tabs"], .overflow-menu button');
      if (more) more.click();
      tab = findTab() || tab;
    }
    if (tab) tab.click();
    let tries = 0;
    const wait = setInterval(() => {
      if (visible(document.getElementById(id)) || ++tries > 60) { clearInterval(wait); go(); }
    }, 50);
  }, true);
})();
</script>"""

// The page's behaviour beyond what gradio's components do, in one place (loaded into <head> by
// web/style.py). Everything works on the DOM the Python side renders: class names, ids and hrefs,
// because gradio's chat sanitizer drops data-* and aria-* attributes from messages.
//  - copy: a plain-text copy of an answer and its numbered sources (.copy-answer → .copy-text);
//  - [n] markers: open the cited card in place (phone: a dialog; wider screens: in the message);
//  - links into 原文 (#src-…): switch tab and scroll there, with a history entry so Back returns
//    to the chat where it was, and a visible "back" button;
//  - the question box: counter, warning when a paste is cut at the limit, busy state while answering;
//  - chat messages expose their text, not gradio's raw-HTML aria-label, to screen readers.
(() => {
  'use strict';
  const PHONE = window.matchMedia('(max-width: 640px)');
  const $ = (sel, root = document) => root.querySelector(sel);
  const visible = (el) => !!el && el.offsetParent !== null;
  const appRoot = () => $('.gradio-container') || document.body;
  document.documentElement.lang = 'zh-CN';
  if ('scrollRestoration' in history) history.scrollRestoration = 'manual';

  let live = null;
  const announce = (message) => {
    if (!live) {
      live = document.createElement('div');
      live.className = 'sr-only';
      live.setAttribute('aria-live', 'polite');
      appRoot().appendChild(live);
    }
    live.textContent = '';
    setTimeout(() => { live.textContent = message; }, 30);
  };
  const flash = (el) => { el.classList.remove('flash'); void el.offsetWidth; el.classList.add('flash'); };
  const whenVisible = (find, then, tries = 80) => {
    const el = find();
    if (visible(el)) { requestAnimationFrame(() => then(el)); return; }
    if (tries > 0) setTimeout(() => whenVisible(find, then, tries - 1), 50);
  };

  // ---- Tabs ---------------------------------------------------------------------------------
  const TAB_CONTENT = { '对话': '#chat', '责任分工': '#duties-table', '目标': '#target-register', '原文': '#document' };
  const tabButtons = () => [...document.querySelectorAll('[role="tab"]')];
  const selectedTab = () => tabButtons().find((t) => t.getAttribute('aria-selected') === 'true');
  const openTab = (label) => {
    const find = () => {
      const all = tabButtons().filter((b) => b.textContent.trim().startsWith(label));
      return all.find(visible) || all[0];
    };
    let tab = find();
    if (!visible(tab)) {  // narrow screens may fold tabs into a "more" menu
      const more = $('button[aria-label="More tabs"], .overflow-menu button');
      if (more) more.click();
      tab = find() || tab;
    }
    if (tab && tab.getAttribute('aria-selected') !== 'true') tab.click();
  };

  // ---- Links into 原文, with a way back ---------------------------------------------------------
  let back = null;
  const showBack = (on) => {
    if (on && !back) {
      back = document.createElement('button');
      back.type = 'button';
      back.id = 'back-float';
      back.textContent = '← 返回 Back';
      back.addEventListener('click', () => history.back());
      appRoot().appendChild(back);
    }
    if (back) back.hidden = !on;
  };
  const showSource = (id) => {
    openTab('原文');
    whenVisible(() => document.getElementById(id), (el) => {
      el.scrollIntoView({ block: 'start' });
      flash(el);
      showBack(true);
    });
  };
  const goToSource = (id) => {
    const from = selectedTab();
    const label = from ? from.textContent.trim() : '';
    if (dialog && dialog.open) dialog.close();  // its history entry becomes the way back
    history.replaceState({ cixiReturn: { tab: label, y: window.scrollY } }, '');
    history.pushState({ cixiSource: id }, '');
    showSource(id);
  };
  let ignorePop = false;
  window.addEventListener('popstate', (ev) => {
    if (ignorePop) { ignorePop = false; return; }
    const state = ev.state || {};
    if (dialog && dialog.open) { dialog.close(); restoreFocus(); }
    if (state.cixiSource) { showSource(state.cixiSource); return; }
    showBack(false);
    if (state.cixiReturn) {
      const { tab, y } = state.cixiReturn;
      if (tab) openTab(tab);
      const key = Object.keys(TAB_CONTENT).find((k) => tab.startsWith(k));
      whenVisible(() => $(TAB_CONTENT[key] || '#chat'), () => window.scrollTo(0, y));
    }
  });
  document.addEventListener('click', (ev) => {
    if (ev.target.closest && ev.target.closest('[role="tab"]')) {
      setTimeout(() => { const t = selectedTab(); showBack(!!(t && t.textContent.trim().startsWith('原文') && history.state && history.state.cixiSource)); }, 0);
    }
  });

  // ---- [n] markers: the cited card in place -----------------------------------------------------
  let dialog = null;
  let opener = null;
  const restoreFocus = () => { if (opener && opener.isConnected) opener.focus({ preventScroll: true }); opener = null; };
  const closeDialog = () => {
    if (!dialog || !dialog.open) return;
    dialog.close();
    restoreFocus();
    if (history.state && history.state.cixiDialog) { ignorePop = true; history.back(); }
  };
  const ensureDialog = () => {
    if (dialog) return dialog;
    dialog = document.createElement('dialog');
    dialog.id = 'src-dialog';
    dialog.setAttribute('aria-labelledby', 'src-dialog-title');
    dialog.innerHTML = '<div class="dlg-head"><h2 id="src-dialog-title"></h2>'
      + '<button type="button" class="dlg-close">← 返回对话 Back to chat</button></div><div class="dlg-body"></div>';
    dialog.addEventListener('cancel', (ev) => { ev.preventDefault(); closeDialog(); });
    dialog.addEventListener('click', (ev) => {
      if (ev.target === dialog || (ev.target.closest && ev.target.closest('.dlg-close'))) closeDialog();
    });
    appRoot().appendChild(dialog);
    return dialog;
  };
  const openDialog = (card, link) => {
    const d = ensureDialog();
    const copy = card.cloneNode(true);
    copy.removeAttribute('id');
    copy.removeAttribute('tabindex');
    copy.querySelectorAll('[id]').forEach((el) => el.removeAttribute('id'));
    $('.dlg-body', d).replaceChildren(copy);
    const num = $('.src-num', card);
    $('#src-dialog-title', d).textContent = `来源 Source ${num ? num.textContent : ''}`;
    opener = link;
    d.showModal();
    history.pushState({ cixiDialog: true }, '');
    $('.dlg-close', d).focus();
  };
  const showCard = (card, link) => {
    if (PHONE.matches) { openDialog(card, link); return; }
    const details = card.closest('details');
    if (details && !details.open) details.open = true;
    card.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    flash(card);
    card.focus({ preventScroll: true });
  };

  // ---- Copy: the answer as plain text with its sources --------------------------------------------
  const textWithBreaks = (el) => [...el.childNodes].map((n) => (n.nodeName === 'BR' ? '\n' : n.textContent)).join('');
  const writeClipboard = async (text) => {
    try {
      if (navigator.clipboard && window.isSecureContext) { await navigator.clipboard.writeText(text); return true; }
    } catch (e) { /* fall back below */ }
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
    area.remove();
    return ok;
  };
  const copyAnswer = async (button) => {
    const message = button.closest('[data-testid="bot"]') || button.parentElement.parentElement;
    const source = message && $('.copy-text', message);
    if (!source) return;
    const ok = await writeClipboard(textWithBreaks(source));
    const label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    button.textContent = ok ? '已复制 Copied ✓' : '复制失败 Copy failed';
    announce(ok ? '已复制回答和来源 · Answer and sources copied' : '复制失败，请长按选择文字 · Copy failed; select the text instead');
    setTimeout(() => { button.textContent = label; }, 2000);
  };

  // ---- The question box: counter, cut warning, busy state ---------------------------------------
  const box = () => $('#ask-box textarea');
  const limit = () => Number(($('#ask-count') || {}).dataset?.max || 2000);
  const status = (text) => { const s = $('#ask-status'); if (s && s.textContent !== text) s.textContent = text; };
  const warn = (text) => { const w = $('#ask-warn'); if (w && w.textContent !== text) w.textContent = text; };
  const updateCount = () => {
    const area = box();
    const counter = $('#ask-count');
    if (!area || !counter) return;
    if (!area.hasAttribute('aria-describedby')) area.setAttribute('aria-describedby', 'ask-count ask-warn');
    if (!area.getAttribute('aria-label')) area.setAttribute('aria-label', '问题 Question');
    const n = area.value.length;
    const max = limit();
    const text = `${n} / ${max}`;
    if (counter.textContent !== text) counter.textContent = text;
    counter.classList.toggle('near', n >= max * 0.9 && n < max);
    counter.classList.toggle('full', n >= max);
  };
  const noteCut = (inserted) => {
    const area = box();
    const max = limit();
    const kept = area.value.length - (area.selectionEnd - area.selectionStart);
    const total = kept + inserted.length;
    if (total <= max) { warn(''); return; }
    const lost = total - max;
    warn(`问题被截断：粘贴的 ${inserted.length} 字里有 ${lost} 字超出 ${max} 字上限，没有放进输入框。`
      + ` · Your question was cut: ${lost} of the ${inserted.length} pasted characters went over the ${max}-character limit.`);
  };
  document.addEventListener('paste', (ev) => {
    if (ev.target === box()) noteCut((ev.clipboardData || window.clipboardData).getData('text') || '');
  }, true);
  document.addEventListener('drop', (ev) => {
    if (ev.target === box() && ev.dataTransfer) noteCut(ev.dataTransfer.getData('text') || '');
  }, true);
  document.addEventListener('input', (ev) => {
    if (ev.target !== box()) return;
    if (ev.inputType !== 'insertFromPaste' && ev.inputType !== 'insertFromDrop' && box().value.length < limit()) warn('');
    updateCount();
  }, true);

  let busy = false;
  let botsBefore = 0;
  let busyTimer = null;
  const bots = () => document.querySelectorAll('#chat [data-testid="bot"]');
  const setBusy = (on) => {
    busy = on;
    const button = $('#ask-btn');
    if (button) { button.classList.toggle('busy', on); button.setAttribute('aria-busy', String(on)); }
    status(on ? '正在回答… · Answering…' : '');
    clearTimeout(busyTimer);
    if (on) busyTimer = setTimeout(() => setBusy(false), 60000);  // never stuck if an answer is lost
  };
  // The server never empties the box: a question typed while the last one is answered would be lost in a
  // race with gradio's update. The page empties it once the answer is shown, and only if it still holds the
  // question that was sent (not one typed since, nor the user's text when an example was clicked).
  let sent = null;
  const startBusy = (question) => { botsBefore = bots().length; sent = question; setBusy(true); };
  const answered = () => {
    const all = bots();
    return all.length > botsBefore && !!$('.answer:not(.streaming)', all[all.length - 1]);
  };
  const clearSent = () => {
    const area = box();
    if (area && sent !== null && area.value === sent) {
      area.value = '';
      area.dispatchEvent(new Event('input', { bubbles: true }));  // so gradio's own copy of the value follows
    }
    sent = null;
  };
  // Called from the observer, the 300 ms watch and before any send, so a question sent the moment an answer
  // shows is never refused as "still answering".
  const settle = () => { if (busy && answered()) { clearSent(); setBusy(false); updateCount(); } };
  const refuseWhileBusy = (ev) => {
    ev.preventDefault();
    ev.stopImmediatePropagation();
    status('上一个问题还在回答中，你的问题留在输入框里，回答完成后再按 Enter 或「提问」。'
      + ' · Still answering the last question; yours stays in the box — send it when the answer is done.');
  };
  const isSubmitKey = (ev) => ev.target === box() && ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing && ev.keyCode !== 229;
  document.addEventListener('keydown', (ev) => {  // a cancelled keydown also cancels gradio's keypress
    if (!isSubmitKey(ev)) return;
    settle();
    if (busy) refuseWhileBusy(ev);
    else if (box().value.trim()) startBusy(box().value);
  }, true);

  // ---- One click listener for the rest -------------------------------------------------------
  document.addEventListener('click', (ev) => {
    const target = ev.target;
    if (!target.closest) return;
    const send = target.closest('#ask-btn, button.example');
    if (send) {
      settle();
      if (busy) refuseWhileBusy(ev);
      else if (send.matches('button.example')) startBusy(null);
      else if (box() && box().value.trim()) startBusy(box().value);
      return;
    }
    const copy = target.closest('button.copy-answer');
    if (copy) { ev.preventDefault(); copyAnswer(copy); return; }
    const marker = target.closest('a.cite-link');
    if (marker) {
      const card = document.getElementById(decodeURIComponent(marker.getAttribute('href').slice(1)));
      if (card) { ev.preventDefault(); showCard(card, marker); }
      return;
    }
    const link = target.closest('a[href^="#src-"]');
    if (link) { ev.preventDefault(); goToSource(decodeURIComponent(link.getAttribute('href').slice(1))); }
  }, true);

  // ---- Watch the chat: labels, busy state; focus the box on desktops -----------------------------
  const fixLabels = () => {
    document.querySelectorAll('#chat [data-testid="bot"][aria-label], #chat [data-testid="user"][aria-label]')
      .forEach((el) => el.removeAttribute('aria-label'));  // gradio puts the raw HTML there
  };
  // One observer on the whole body, not on #chat: gradio replaces the chat element, and an observer left on the
  // old one missed answers (a raw-HTML label read aloud, a question refused as "still answering").
  let observing = false;
  let watched = null;
  const watch = () => {
    if (!observing && document.body) {
      observing = true;
      new MutationObserver(() => { fixLabels(); settle(); })
        .observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-label'] });
    }
    const chat = $('#chat');
    if (chat && chat !== watched) {
      watched = chat;
      const area = box();
      if (area && window.matchMedia('(hover: hover) and (pointer: fine)').matches && document.activeElement === document.body) {
        area.focus({ preventScroll: true });
      }
    }
    fixLabels();
    settle();
    if (busy && $('.toast-body.error')) setBusy(false);
    updateCount();
  };
  setInterval(watch, 300);
  document.addEventListener('DOMContentLoaded', watch);
})();

// Taking an attempt: save each answer as it is given, keep the server's clock.
// Progressive enhancement: without this file every question is a form that
// posts to the same answer URL. Nothing is lost silently: a failed save is
// shown, kept in this browser and retried; leaving with unsaved answers asks.
(() => {
  "use strict";
  const textEl = document.getElementById("quiz-text");
  const T = textEl ? JSON.parse(textEl.textContent) : {};
  const root = document.querySelector("[data-attempt]");
  const timeoutForm = document.querySelector("[data-timeout-form]");
  const fill = (template, values) =>
    (template || "").replace(/%\((\w+)\)s/g, (_, name) => values[name]);
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const states = new Map();  // per question form: its saving state
  let saveNow = () => {};  // set below when the page has questions

  // Wait for every save under way (at most limitMs), typed text included.
  async function flushAll(limitMs) {
    states.forEach((st, form) => {
      if (st.timer !== null) { clearTimeout(st.timer); st.timer = null; saveNow(form); }
    });
    const running = Array.from(states.values()).map((st) => st.running).filter(Boolean);
    if (!running.length) return;
    const all = Promise.all(running);
    await (limitMs ? Promise.race([all, sleep(limitMs)]) : all);
  }

  // ------------------------------------------------------------ the clock
  const timer = document.querySelector("[data-remaining]");
  let setRemaining = () => {};
  if (timer) {
    const announce = document.querySelector("[data-timer-announce]");
    let deadline = Date.now() + Number(timer.dataset.remaining) * 1000;
    let finished = false;
    const warned = new Set();
    const clock = (seconds) => {
      const h = Math.floor(seconds / 3600);
      const m = Math.floor((seconds % 3600) / 60);
      const s = seconds % 60;
      const pad = (n) => String(n).padStart(2, "0");
      return h ? `${h}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
    };
    // Announced sparingly: at 10, 5 and 1 minutes left.
    [600, 300, 60].forEach((at) => {
      if (Number(timer.dataset.remaining) <= at) warned.add(at);
    });
    const tick = async () => {
      if (finished) return;
      const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      timer.textContent = fill(T.time_left, { time: clock(left) });
      timer.classList.toggle("is-low", left <= 300);
      for (const at of [600, 300, 60]) {
        if (left <= at && !warned.has(at)) {
          warned.add(at);
          if (announce) announce.textContent = fill(T.time_warning, { minutes: at / 60 });
        }
      }
      if (left === 0) {
        finished = true;
        if (announce) announce.textContent = T.time_over || "";
        timer.textContent = T.time_over || "";
        await flushAll(3000);
        window.__quizLeaving = true;
        if (timeoutForm) timeoutForm.submit();
        return;
      }
      setTimeout(tick, 1000 - ((deadline - Date.now()) % 1000 || 0) + 20);
    };
    // Each answer response repeats the server's seconds left.
    setRemaining = (seconds) => {
      if (typeof seconds === "number") deadline = Date.now() + seconds * 1000;
    };
    tick();
  }

  // The confirmation page: one click submits once.
  document.querySelectorAll("button[data-once]").forEach((button) => {
    button.form.addEventListener("submit", () => {
      setTimeout(() => { button.disabled = true; }, 0);
    });
  });

  if (!root) return;

  // ------------------------------------------------------------ saving
  const feedbackMode = root.dataset.feedback === "1";
  const token = root.dataset.token;
  const answerUrl = root.dataset.answerUrl;
  const resultUrl = root.dataset.resultUrl;
  const forms = Array.from(document.querySelectorAll("form[data-question]"));
  const state = (form) => {
    if (!states.has(form)) {
      states.set(form, { dirty: false, running: null, failed: false, refused: false,
        unconfirmed: false, justChecked: false, backoff: 2000, timer: null });
    }
    return states.get(form);
  };
  const csrf = () => {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  };
  const storageKey = (form) => `quiz:${token}:${form.dataset.position}`;
  const backup = (form) => {
    try {
      localStorage.setItem(storageKey(form), JSON.stringify(
        { revision: Number(form.dataset.revision), response: collect(form) }));
    } catch (e) { /* storage full or disabled: the retry still runs */ }
  };
  const dropBackup = (form) => {
    try { localStorage.removeItem(storageKey(form)); } catch (e) { /* ignore */ }
  };

  function collect(form) {
    const kind = form.dataset.kind;
    const value = (name) => {
      const input = form.querySelector(`input[name="${name}"]:checked`);
      return input ? input.value : null;
    };
    if (kind === "single") {
      const option = value("option");
      return option === null ? null : { option: Number(option) };
    }
    if (kind === "multiple") {
      const options = Array.from(form.querySelectorAll('input[name="options"]:checked'))
        .map((input) => Number(input.value));
      return options.length ? { options } : null;
    }
    if (kind === "true_false") {
      const v = value("value");
      return v === null ? null : { value: v === "true" };
    }
    if (kind === "fill_in") {
      const blanks = Array.from(form.querySelectorAll('input[name="blank"]')).map((i) => i.value);
      return blanks.some((b) => b.trim()) ? { blanks } : null;
    }
    if (kind === "essay") {
      const text = form.querySelector('textarea[name="text"]').value;
      return text.trim() ? { text } : null;
    }
    return null;
  }

  function apply(form, response) {
    if (!response) return;
    const kind = form.dataset.kind;
    if (kind === "single" || kind === "multiple") {
      const chosen = new Set(kind === "single" ? [response.option] : response.options || []);
      form.querySelectorAll('input[name="option"], input[name="options"]').forEach((input) => {
        input.checked = chosen.has(Number(input.value));
      });
    } else if (kind === "true_false") {
      form.querySelectorAll('input[name="value"]').forEach((input) => {
        input.checked = input.value === String(response.value);
      });
    } else if (kind === "fill_in") {
      form.querySelectorAll('input[name="blank"]').forEach((input, i) => {
        input.value = (response.blanks || [])[i] || "";
      });
    } else if (kind === "essay") {
      form.querySelector('textarea[name="text"]').value = response.text || "";
    }
  }

  function setStatus(form, message, kind, withReload) {
    const el = form.querySelector("[data-status]");
    if (!el) return;
    el.className = "save-status" + (kind ? ` is-${kind}` : "");
    el.setAttribute("role", kind === "error" ? "alert" : "status");
    el.textContent = message || "";
    if (withReload) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button-small button-outline";
      button.textContent = T.reload || "";
      button.addEventListener("click", () => { window.__quizLeaving = true; location.reload(); });
      el.append(button);
    }
  }

  function markAnswered(form, answered) {
    const position = form.dataset.position;
    const link = document.querySelector(`[data-nav="${position}"]`);
    if (link) {
      link.classList.toggle("is-answered", answered);
      const label = link.querySelector("[data-nav-state]");
      if (label) label.textContent = answered ? T.answered_mark : T.unanswered_mark;
    }
    const count = document.querySelector("[data-answered-count]");
    if (count) count.textContent = document.querySelectorAll("[data-nav].is-answered").length;
  }

  function lock(form, feedback) {
    form.dataset.locked = "";
    form.classList.add("is-locked");
    form.querySelectorAll("input:not([type=hidden]), textarea").forEach((input) => { input.disabled = true; });
    const confirmButton = form.querySelector("[data-confirm-button]");
    if (confirmButton) confirmButton.remove();
    const correct = new Set(feedback.correct_options || []);
    form.querySelectorAll("[data-option-id]").forEach((label) => {
      if (correct.has(Number(label.dataset.optionId))) label.classList.add("is-key");
    });
    const region = form.querySelector("[data-feedback-region]");
    if (region) region.innerHTML = feedback.html;  // rendered and sanitised by the server
  }

  async function post(body) {
    const response = await fetch(answerUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body),
    });
    const type = response.headers.get("Content-Type") || "";
    if (!type.includes("application/json")) {
      const error = new Error(String(response.status));
      error.session = response.redirected || response.status === 403;
      throw error;
    }
    return response.json();
  }

  // One save at a time per question, always of its latest answer: two quick
  // clicks never race each other into a "stale" refusal.
  function save(form) {
    const st = state(form);
    st.dirty = true;
    backup(form);
    if (!st.running) st.running = run(form).finally(() => { st.running = null; });
    return st.running;
  }

  async function run(form) {
    const st = state(form);
    while (st.dirty) {
      st.dirty = false;
      const body = { position: Number(form.dataset.position), response: collect(form),
        revision: Number(form.dataset.revision) };
      setStatus(form, T.saving, "pending");
      let result;
      try {
        result = await post(body);
      } catch (error) {
        st.failed = true;
        if (error.session) {
          setStatus(form, T.session, "error");
          return;
        }
        setStatus(form, T.failed, "error");
        st.dirty = true;
        await sleep(st.backoff);
        st.backoff = Math.min(st.backoff * 2, 30000);
        continue;
      }
      st.failed = false;
      st.backoff = 2000;
      setRemaining(result.remaining);
      if (!result.saved) {
        st.refused = true;
        st.dirty = false;
        dropBackup(form);
        setStatus(form, result.error, "error", result.code === "stale");
        if (result.result_url) {
          window.__quizLeaving = true;
          setTimeout(() => { location.href = result.result_url; }, 2500);
        }
        return;
      }
      st.refused = false;
      st.unconfirmed = false;
      form.dataset.revision = result.revision;
      const revisionInput = form.querySelector("[data-revision-input]");
      if (revisionInput) revisionInput.value = result.revision;
      if (!st.dirty) dropBackup(form);
      markAnswered(form, result.answered);
      setStatus(form, T.saved, "saved");
      if (result.feedback) {
        st.dirty = false;
        st.justChecked = result.changed;
        lock(form, result.feedback);
      }
    }
  }

  saveNow = save;
  const busy = () => Array.from(states.values()).some(
    (st) => st.running || st.dirty || st.failed || st.timer !== null);

  function navigate(url) {
    window.__quizLeaving = true;
    location.href = url;
  }

  forms.forEach((form) => {
    const st = state(form);
    // An answer this browser kept but never got saved: put it back.
    try {
      const kept = JSON.parse(localStorage.getItem(storageKey(form)) || "null");
      if (kept && form.dataset.locked === undefined
          && kept.revision === Number(form.dataset.revision)
          && JSON.stringify(kept.response) !== JSON.stringify(collect(form))) {
        apply(form, kept.response);
        setStatus(form, T.restored, "pending");
        if (feedbackMode) st.unconfirmed = true; else save(form);
      } else if (kept) {
        dropBackup(form);
      }
    } catch (e) { /* unreadable backup: ignore */ }

    const changed = (immediate) => {
      if (form.dataset.locked !== undefined) return;
      if (feedbackMode) {
        st.unconfirmed = true;
        backup(form);
        setStatus(form, T.unconfirmed, "pending");
        return;
      }
      clearTimeout(st.timer);
      st.timer = null;
      if (immediate) save(form);
      else {
        backup(form);
        st.timer = setTimeout(() => { st.timer = null; save(form); }, 1200);
      }
    };
    form.addEventListener("change", () => changed(true));
    form.addEventListener("input", (event) => {
      if (event.target.matches("input[type=text], textarea")) changed(false);
    });

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const submitter = event.submitter;
      const go = submitter && submitter.name === "go" ? submitter.value : "";
      const pending = st.timer !== null;
      clearTimeout(st.timer);
      st.timer = null;
      const needsSave = form.dataset.locked === undefined && (feedbackMode
        ? (st.unconfirmed || !go)
        : (pending || st.dirty || st.failed || st.running || !go));
      st.justChecked = false;
      if (needsSave) {
        if (feedbackMode && !collect(form) && !go) return;
        await save(form);
        if (st.failed || st.refused) return;
      }
      if (!go) return;
      // Fresh feedback stays on screen until the learner moves on.
      if (st.justChecked) return;
      if (go === "submit") navigate(timeoutForm.action);
      else navigate(`?n=${go}`);
    });
  });

  // Leaving the question (navigator, the submit link): finish saving first.
  document.querySelectorAll("[data-nav], [data-leave]").forEach((link) => {
    link.addEventListener("click", async (event) => {
      if (link.getAttribute("href").startsWith("#")) return;
      event.preventDefault();
      await flushAll();
      const unconfirmed = feedbackMode && forms.some((f) => state(f).unconfirmed);
      if (unconfirmed && !window.confirm(T.confirm_leave)) return;
      if (busy() && !window.confirm(T.unsaved_leave)) return;
      navigate(link.href);
    });
  });

  window.addEventListener("beforeunload", (event) => {
    if (window.__quizLeaving) return;
    if (busy()) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  // Typed text waiting for its debounce is saved when the page is hidden.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "hidden") return;
    flushAll();
  });
})();

// The training record on a lesson page: tells the server what this reader does
// (opened the lesson, reads it, plays its video, has finished) and shows the
// reader's own progress. The server keeps the facts and decides what counts;
// this file only reports. Without it the lesson still reads, nothing is credited.
(() => {
  "use strict";

  const panel = document.querySelector("[data-lesson-progress]");
  if (!panel || !window.fetch) return;

  const BEAT_MS = 30 * 1000; // a heartbeat while the page is read
  const ACTIVE_MS = 60 * 1000; // idle longer than this: time is not counted
  const SEGMENT_SECONDS = 10; // the server counts video in 10-second segments
  const REFRESH_MS = 60 * 1000; // the panel asks for the status at most this often
  const COMPLETE_RETRY_MAX_MS = 5 * 60 * 1000;
  const REFUSED = [401, 403, 404]; // logged out, not a learner, or not allowed

  const urls = panel.dataset;
  const texts = panel.dataset;
  const tokenInput = panel.querySelector("input[name=csrfmiddlewaretoken]");
  const csrfToken = tokenInput ? tokenInput.value : "";
  const bar = panel.querySelector("[data-progress-bar]");
  const line = panel.querySelector("[data-progress-text]");
  const link = panel.querySelector("[data-progress-link]");
  const prompt = panel.querySelector("[data-presence-prompt]");
  const confirmButton = prompt ? prompt.querySelector("[data-presence-confirm]") : null;

  // Every video of the lesson is reported by its place on the page (0, 1, ...),
  // the order in which the server counts the lesson's video blocks.
  const videos = Array.from(document.querySelectorAll("video[data-resume-key]"));

  let stopped = false;
  let status = null;
  let lastActive = Date.now();
  let recordedSinceRefresh = false;
  let refreshing = false;
  let completing = false;
  let resumeDecided = false;
  // The presence check (防挂机): the bureau's interval in minutes (0: none) and
  // when the reader last showed they are there, as the server counts it.
  let presenceMinutes = 0;
  let lastPresence = Date.now();
  const segmentsSent = new Set();

  const fill = (template, values) =>
    template.replace(/\{(\w+)\}/g, (whole, name) =>
      Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole);

  const send = (url, data) =>
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        Accept: "application/json",
        "Content-Type": "application/x-www-form-urlencoded",
        "X-CSRFToken": csrfToken,
      },
      body: new URLSearchParams(data || {}),
    });

  const read = (url) =>
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });

  // --- what the reader sees -------------------------------------------------

  const say = (text) => {
    // Only a change is written, so a screen reader hears news, not a repeat.
    if (line.textContent !== text) line.textContent = text;
  };

  const show = (next) => {
    status = next;
    presenceMinutes = next.presence_minutes || 0;
    const parts = [];
    if (next.rule === "time") {
      parts.push(fill(texts.textTime, { minutes: next.minutes, needed: next.needed_minutes }));
    } else if (next.rule === "opened") {
      parts.push(texts.textOpened);
    } else if (next.rule === "quiz") {
      parts.push(texts.textQuiz);
    }
    if (next.rule === "video" || videos.length) {
      parts.push(fill(texts.textVideo, {
        percent: next.video_percent, needed: next.video_needed_percent,
      }));
    }
    if (next.completed) {
      parts.push(next.hours && next.hours !== "0"
        ? fill(texts.textDone, { hours: next.hours })
        : texts.textDoneNoHours);
    } else {
      parts.push(texts.textTodo);
    }
    bar.value = next.percent;
    say(parts.join(" · "));
    link.hidden = !next.completed;
    panel.hidden = false;
    panel.dataset.completed = next.completed ? "true" : "false";
    if (next.rule_met && !next.completed) complete(0);
  };

  const stop = () => {
    stopped = true;
    if (!panel.hidden) say(texts.textRefused);
    resumeFromBrowser();
  };

  // --- opened, and the status ----------------------------------------------

  const answer = async (response) => {
    if (REFUSED.includes(response.status)) { stop(); return null; }
    if (!response.ok && response.status !== 409) throw new Error(String(response.status));
    return response.json();
  };

  const open = async () => {
    try {
      lastPresence = Date.now();
      const next = await answer(await send(urls.openUrl));
      if (next) { show(next); resumeFromServer(); }
    } catch (e) {
      // Opened is not retried: the beats and the next refresh make up for it.
      resumeFromBrowser();
    }
  };

  const refresh = async () => {
    if (stopped || refreshing) return;
    refreshing = true;
    recordedSinceRefresh = false;
    try {
      const next = await answer(await read(urls.statusUrl));
      if (next) show(next);
    } catch (e) {
      if (!panel.hidden) say(texts.textOffline);
    } finally {
      refreshing = false;
    }
  };

  // A completion earns hours: it is retried, waiting longer each time, until
  // the server answers. "Not yet" (409) is an answer, not a failure.
  const complete = async (attempt) => {
    if (stopped || completing) return;
    completing = true;
    try {
      const next = await answer(await send(urls.completeUrl));
      completing = false;
      if (next) show(next);
    } catch (e) {
      completing = false;
      if (!panel.hidden) say(texts.textOffline);
      const wait = Math.min(2000 * 2 ** attempt, COMPLETE_RETRY_MAX_MS);
      setTimeout(() => complete(attempt + 1), wait);
    }
  };

  // --- time on task ----------------------------------------------------------

  const active = () => { lastActive = Date.now(); };
  ["scroll", "wheel", "keydown", "pointerdown", "pointermove", "touchstart"].forEach((name) =>
    window.addEventListener(name, active, { passive: true, capture: true }));

  const watching = () => videos.some((video) => !video.paused && !video.ended);

  // --- the presence check ------------------------------------------------------

  // Asked a minute before the server would stop counting; until the reader
  // answers, no beat is sent (it would not count).
  const presenceDue = () =>
    presenceMinutes > 0 && Date.now() - lastPresence > (presenceMinutes - 1) * 60 * 1000;

  const askPresence = () => {
    if (!prompt || !prompt.hidden) return;
    prompt.hidden = false;
    if (confirmButton) confirmButton.focus({ preventScroll: true });
  };

  const confirmPresence = async () => {
    if (!confirmButton) return;
    confirmButton.disabled = true;
    try {
      const next = await answer(await send(urls.presenceUrl));
      if (next) {
        lastPresence = Date.now();
        active();
        prompt.hidden = true;
        show(next);
      }
    } catch (e) {
      if (!panel.hidden) say(texts.textOffline);
    } finally {
      confirmButton.disabled = false;
    }
  };
  if (confirmButton) confirmButton.addEventListener("click", confirmPresence);

  const beat = async () => {
    if (stopped || document.visibilityState !== "visible") return;
    if (Date.now() - lastActive > ACTIVE_MS && !watching()) return;
    if (presenceDue()) { askPresence(); return; }
    try {
      const response = await send(urls.beatUrl);
      if (REFUSED.includes(response.status)) stop();
      else if (response.ok) recordedSinceRefresh = true;
    } catch (e) {
      // Not retried: the next beat, 30 s on, counts for this minute's reading.
    }
  };

  setInterval(beat, BEAT_MS);
  setInterval(() => {
    if (status === null || (recordedSinceRefresh && !status.completed)) refresh();
  }, REFRESH_MS);

  // --- the video -------------------------------------------------------------

  function whenReady(video, then) {
    if (video.readyState >= 1) then();
    else video.addEventListener("loadedmetadata", then, { once: true });
  }

  // site.js waits for this event before it seeks to the browser's own memory.
  function resumeFromBrowser() {
    if (resumeDecided) return;
    resumeDecided = true;
    videos.forEach((video) => video.dispatchEvent(new CustomEvent("records:resume-local")));
  }

  function resumeFromServer() {
    if (resumeDecided || !videos.length) { resumeFromBrowser(); return; }
    resumeDecided = true;
    const server = (status && status.video_resume) || [];
    videos.forEach((video, index) => {
      const at = server[index] || 0;
      // Nothing on the server for this one: this browser's memory, as before.
      if (!(at > 5)) { video.dispatchEvent(new CustomEvent("records:resume-local")); return; }
      whenReady(video, () => {
        if (at < video.duration - 5 && video.currentTime < 1) video.currentTime = at;
      });
    });
  }

  videos.forEach((video, index) => {
    let lastTime = 0;
    let lastSegment = -1;
    let playedSinceSeek = false;

    const report = (position) => {
      const duration = Math.floor(video.duration);
      if (stopped || !(duration > 0)) return;
      const at = Math.min(Math.max(0, Math.floor(position)), duration);
      send(urls.videoUrl, { position: at, duration: duration, video: index })
        .then((response) => {
          if (REFUSED.includes(response.status)) stop();
          else if (response.ok) {
            recordedSinceRefresh = true;
            // Newly played video counts as being there (the server sees it
            // too); a segment played before does not, and a seek is no play.
            const played = `${index}:${Math.floor(at / SEGMENT_SECONDS)}`;
            if (!segmentsSent.has(played)) {
              segmentsSent.add(played);
              lastPresence = Date.now();
            }
          }
        })
        .catch(() => { /* the next segment reports again */ });
    };

    video.addEventListener("seeking", () => { playedSinceSeek = false; });
    video.addEventListener("timeupdate", () => {
      const now = video.currentTime;
      const step = now - lastTime;
      lastTime = now;
      // Played, not jumped to: a seek to the end does not watch the video.
      if (video.paused || video.seeking || step <= 0 || step > 2) return;
      playedSinceSeek = true;
      active();
      const segment = Math.floor(now / SEGMENT_SECONDS);
      if (segment !== lastSegment) {
        lastSegment = segment;
        report(now);
      }
    });
    video.addEventListener("pause", () => {
      if (playedSinceSeek && !video.ended) report(video.currentTime);
    });
    video.addEventListener("ended", () => {
      if (playedSinceSeek) report(video.duration);
      setTimeout(refresh, 1000);
    });
  });

  open();
})();

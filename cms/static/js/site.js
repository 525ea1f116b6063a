// Progressive enhancement only: every form works without this file.
document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
  const form = select.form;
  const fallback = form.querySelector("[data-autosubmit-fallback]");
  if (fallback) fallback.hidden = true;
  select.addEventListener("change", () => form.submit());
});

// A page that shows a running job's progress polls its status URL.
document.querySelectorAll("[data-poll-url]").forEach((el) => {
  const url = el.dataset.pollUrl;
  const bar = el.querySelector("progress");
  const label = el.querySelector("[data-progress-label]");
  const tick = async () => {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(response.status);
      const job = await response.json();
      if (bar) bar.value = job.percent;
      if (label) label.textContent = job.percent + "%";
      if (job.finished) { window.location.reload(); return; }
    } catch (e) { /* keep polling: a lost connection must not lose the page */ }
    setTimeout(tick, 1500);
  };
  setTimeout(tick, 1000);
});

// A lesson video resumes where this browser left it. On a lesson page with the
// training record (records.js and its [data-lesson-progress] panel), the server
// knows the position first: records.js seeks there itself, or sends
// "records:resume-local" when the server knows none and this browser's memory
// should decide.
document.querySelectorAll("video[data-resume-key]").forEach((video) => {
  const key = "resume:" + location.pathname + ":" + video.dataset.resumeKey;
  let lastSaved = 0;
  const resume = () => {
    const at = parseFloat(localStorage.getItem(key) || "0");
    if (at > 5 && at < video.duration - 5 && video.currentTime < 1) video.currentTime = at;
  };
  const resumeWhenReady = () => {
    if (video.readyState >= 1) resume();
    else video.addEventListener("loadedmetadata", resume, { once: true });
  };
  if (document.querySelector("[data-lesson-progress]")) {
    video.addEventListener("records:resume-local", resumeWhenReady, { once: true });
  } else {
    resumeWhenReady();
  }
  video.addEventListener("timeupdate", () => {
    if (Math.abs(video.currentTime - lastSaved) < 5) return;
    lastSaved = video.currentTime;
    try { localStorage.setItem(key, String(Math.floor(video.currentTime))); } catch (e) { /* storage full or disabled */ }
  });
  video.addEventListener("ended", () => localStorage.removeItem(key));
});

() => {
  // Chat videos play as in consumer video apps: muted, looping, inline, with their
  // controls always shown (Gradio's player shows them on hover only) — issue #19.
  const shown = (el) => {
    const box = el.getBoundingClientRect();
    return box.top >= 0 && box.bottom <= window.innerHeight;
  };
  const fit = (video) => {
    // The player may set these back when it redraws: they are put right on every pass.
    video.loop = true;
    video.playsInline = true;
    video.controls = true;
    const since = Number(video.dataset.cwFitted || 0);
    // Muted through the player's own start-up (it may set its sound state after ours);
    // after that a viewer who turns the sound on keeps it.
    if (!since || Date.now() - since < 8000) video.muted = true;
    if (since) return;
    video.dataset.cwFitted = String(Date.now());
    video.autoplay = true;
    video.play().catch(() => {});  // a browser may still refuse; the controls are there
    // The newest video comes into view (on a phone it lands above the Generate bar).
    const newest = [...document.querySelectorAll("#cw-chat video")].pop() === video;
    if (newest) video.addEventListener("loadeddata", () => {
      if (!shown(video)) video.scrollIntoView({block: "end", behavior: "smooth"});
    }, {once: true});
  };
  // Generate answers at once: a "Starting…" card until the server's own card (or its
  // reason for not starting) arrives — issue #19: 4 s with nothing visible.
  document.addEventListener("click", (event) => {
    const button = event.target.closest("#btn-generate, #btn-again");
    if (!button || button.disabled) return;
    document.getElementById("cw-starting")?.remove();
    const text = document.querySelector(".cw-header")?.dataset.starting || "…";
    const card = document.createElement("div");
    card.id = "cw-starting";
    card.className = "cw-progress";
    card.dataset.stage = "queued";
    card.innerHTML = '<div class="cw-progress-top"><span class="cw-stage"></span></div>' +
                     '<div class="cw-bar"><div class="cw-fill"></div></div>';
    card.querySelector(".cw-stage").textContent = text;
    const box = document.getElementById("cw-progress-box");
    (box && box.offsetParent ? box : document.getElementById("cw-actions") ||
     document.getElementById("cw-chat")).after(card);
    setTimeout(() => card.remove(), 20000);
  }, true);
  const settle = () => {
    const card = document.getElementById("cw-starting");
    const answered = [...document.querySelectorAll("#cw-progress-box .cw-progress, " +
                                                   "#cw-start-notice")].some((e) => e.offsetParent);
    if (card && answered) card.remove();
  };
  const scan = () => {
    settle();
    document.querySelectorAll("#cw-chat video").forEach(fit);
  };
  new MutationObserver(scan).observe(document.body, {childList: true, subtree: true});
  setInterval(scan, 1000);
  scan();
}

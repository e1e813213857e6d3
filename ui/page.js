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
    if (video.dataset.cwFitted) return;
    video.dataset.cwFitted = "1";
    video.muted = true;  // once: a viewer who turns the sound on keeps it
    video.autoplay = true;
    video.play().catch(() => {});  // a browser may still refuse; the controls are there
    // The newest video comes into view (on a phone it lands above the Generate bar).
    const newest = [...document.querySelectorAll("#cw-chat video")].pop() === video;
    if (newest) video.addEventListener("loadeddata", () => {
      if (!shown(video)) video.scrollIntoView({block: "end", behavior: "smooth"});
    }, {once: true});
  };
  const scan = () => document.querySelectorAll("#cw-chat video").forEach(fit);
  new MutationObserver(scan).observe(document.body, {childList: true, subtree: true});
  setInterval(scan, 1000);
  scan();
}

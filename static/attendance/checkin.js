// The check-in screen: polls its status URL for the current codes and who has checked in
// (a static file: the content security policy forbids inline scripts).
(() => {
  const screen = document.querySelector(".checkin-screen");
  if (!screen) {
    return;
  }
  const url = screen.dataset.statusUrl;
  const POLL_MS = 5000;
  const img = screen.querySelector(".js-qr");
  const code = screen.querySelector(".js-code");
  const count = screen.querySelector(".js-count");
  const expected = screen.querySelector(".js-expected");
  const list = screen.querySelector(".js-people");

  function item(person) {
    const li = document.createElement("li");
    li.className = "list-group-item d-flex justify-content-between";
    const who = document.createElement("span");
    who.textContent = person.name + " ";
    const school = document.createElement("small");
    school.className = "text-muted";
    school.textContent = person.school + (person.mark ? "（考勤表：" + person.mark + "）" : "");
    who.appendChild(school);
    const at = document.createElement("span");
    at.className = "small";
    at.textContent = person.at;
    li.append(who, at);
    return li;
  }

  function show(data) {
    if (!data.open) {
      return;
    }
    if (img.getAttribute("src") !== data.qr) {
      img.setAttribute("src", data.qr);
    }
    code.textContent = data.code;
    count.textContent = data.checked_in;
    expected.textContent = data.expected;
    if (data.people.length) {
      list.replaceChildren(...data.people.map(item));
    }
  }

  let timer = null;
  async function poll() {
    let wait = POLL_MS;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) {
        const data = await response.json();
        show(data);
        // Fetch again right after the codes change, so the screen never shows an old one for long.
        wait = Math.min(POLL_MS, (data.refresh_in || 5) * 1000 + 200);
      }
    } catch (error) {
      wait = POLL_MS * 2;
    }
    timer = setTimeout(poll, wait);
  }
  timer = setTimeout(poll, Math.min(POLL_MS, (Number(screen.dataset.refreshIn) || 5) * 1000 + 200));
  window.addEventListener("pagehide", () => clearTimeout(timer));
})();

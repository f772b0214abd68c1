// Searchable pickers (core/pickers.py): each input.js-picker becomes a Tom Select box searching its
// endpoint; without this script the input stays a plain text box that the server resolves.
(function () {
  if (typeof TomSelect === "undefined") {
    return;
  }
  function escape(text) {
    const div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }
  document.querySelectorAll("input.js-picker").forEach((input) => {
    const url = input.dataset.pickerUrl;
    const multiple = input.dataset.pickerMultiple === "1";
    let initial = [];
    try {
      initial = JSON.parse(input.dataset.pickerInitial || "[]");
    } catch (err) {
      initial = [];
    }
    // A typed value the server could not resolve stays visible as typed, not as an empty box.
    const known = new Set(initial.map((o) => o.value));
    const typed = input.value.split(",").filter((v) => v && !known.has(v));
    const options = initial.concat(typed.map((v) => ({ value: v, text: v })));
    new TomSelect(input, {
      valueField: "value",
      labelField: "text",
      searchField: [],
      options: options,
      items: options.map((o) => o.value),
      maxItems: multiple ? null : 1,
      maxOptions: 50,
      create: false,
      preload: "focus",
      loadThrottle: 250,
      plugins: multiple ? ["remove_button"] : [],
      // The server already ranked the matches; keep its order.
      score: () => () => 1,
      // The server searches name, ID and phone numbers alike: each answer replaces the options
      // shown before (the chosen ones stay), since they need not contain the typed text.
      load: function (query, callback) {
        const sep = url.includes("?") ? "&" : "?";
        fetch(`${url}${sep}q=${encodeURIComponent(query)}`, {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        })
          .then((response) => (response.ok ? response.json() : { results: [] }))
          .then((data) => {
            this.clearOptions();
            callback(data.results);
          })
          .catch(() => callback());
      },
      render: {
        no_results: () => `<div class="no-results">${escape(input.dataset.pickerEmpty || "")}</div>`,
      },
    });
  });
})();

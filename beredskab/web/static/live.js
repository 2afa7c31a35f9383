/* Live incident page: listen to /haendelse/{id}/live (server-sent events) and, when the
   incident changes, fetch the boards again (/haendelse/{id}/dele) and swap them in.
   A board the person is working in (focus, an open form, typed text) is left alone until
   they are done. New confirmations are announced in the aria-live region.
   Without this script the page still works: "Opdater" reloads it. */
(function () {
  "use strict";
  var root = document.getElementById("incident");
  if (!root || !window.EventSource || !window.fetch || !window.DOMParser) {
    return;
  }
  var liveUrl = root.getAttribute("data-live-url");
  var partsUrl = root.getAttribute("data-parts-url");
  var announce = document.getElementById("announce");
  var indicator = document.getElementById("live-state");
  // The state the page was rendered from: a change before the stream connects is not missed.
  var version = root.getAttribute("data-version") || null;
  var waiting = false;
  var fetching = false;
  var again = false;
  var source = null;

  function confirmedNames(scope) {
    var found = {};
    var items = scope.querySelectorAll("[data-person][data-state='confirmed']");
    for (var i = 0; i < items.length; i += 1) {
      found[items[i].getAttribute("data-person")] = items[i].getAttribute("data-name");
    }
    return found;
  }

  function inUse(section) {
    if (section.contains(document.activeElement) && document.activeElement !== document.body) {
      return true;
    }
    var open = section.querySelectorAll("details[open]");
    if (open.length) {
      return true;
    }
    var fields = section.querySelectorAll("textarea, input[type=text]");
    for (var i = 0; i < fields.length; i += 1) {
      if (fields[i].value !== fields[i].defaultValue) {
        return true;
      }
    }
    return false;
  }

  function swap(fresh) {
    var sections = fresh.querySelectorAll("section[data-live]");
    for (var i = 0; i < sections.length; i += 1) {
      var current = document.getElementById(sections[i].id);
      if (!current) {
        continue;
      }
      if (inUse(current)) {
        waiting = true;
        continue;
      }
      current.replaceWith(document.importNode(sections[i], true));
    }
  }

  function tell(before) {
    if (!announce) {
      return;
    }
    var after = confirmedNames(document);
    var names = [];
    for (var id in after) {
      if (Object.prototype.hasOwnProperty.call(after, id) && !before[id]) {
        names.push(after[id]);
      }
    }
    if (names.length) {
      var template = announce.getAttribute("data-confirmed") || "{name}";
      announce.textContent = names.map(function (name) {
        return template.replace("{name}", name);
      }).join(" ");
    }
  }

  function refresh() {
    if (fetching) {
      again = true;
      return;
    }
    fetching = true;
    waiting = false;
    fetch(partsUrl, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok || response.redirected) {
          throw new Error("parts " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var before = confirmedNames(document);
        swap(new DOMParser().parseFromString(html, "text/html"));
        tell(before);
      })
      .catch(function () {
        lost();
      })
      .then(function () {
        fetching = false;
        if (again) {
          again = false;
          refresh();
        }
      });
  }

  function lost() {
    if (indicator) {
      indicator.textContent = indicator.getAttribute("data-lost") || indicator.textContent;
    }
  }

  function connect() {
    source = new EventSource(liveUrl);
    source.addEventListener("open", function () {
      if (indicator) {
        indicator.hidden = false;
        indicator.textContent = indicator.getAttribute("data-on") || indicator.textContent;
      }
    });
    source.addEventListener("state", function (event) {
      var data = JSON.parse(event.data);
      if (version !== null && data.version !== version) {
        refresh();
      }
      version = data.version;
    });
    source.addEventListener("bye", function () {
      source.close();
      window.setTimeout(connect, 500);
    });
    source.addEventListener("gone", function () {
      source.close();
      lost();
    });
    source.addEventListener("error", function () {
      if (source.readyState === EventSource.CLOSED) {
        lost();
        window.setTimeout(connect, 15000);
      }
    });
  }

  document.addEventListener("focusout", function () {
    window.setTimeout(function () {
      if (waiting) {
        refresh();
      }
    }, 0);
  });
  document.addEventListener("toggle", function () {
    if (waiting) {
      refresh();
    }
  }, true);
  connect();
}());

// Progressive enhancement: a group message's length in SMS while the trainer types, counted as
// lms/messaging/segments.py counts it. Without JavaScript the preview shows the same, from the server.
(function () {
  "use strict";
  var textarea = document.querySelector("textarea[data-sms-counter]");
  var line = document.querySelector("[data-sms-count]");
  if (!textarea || !line || !Array.from) { return; }
  // The GSM 03.38 alphabet, and its extension table (two units each).
  var BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡" +
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXTENSION = "^{}\\[~]|€\f";
  var most = parseInt(line.getAttribute("data-most"), 10);
  var numbers = window.Intl ? new Intl.NumberFormat(document.documentElement.lang || undefined) : null;

  function measure(text) {
    var chars = Array.from(text);
    var gsm7 = chars.every(function (c) { return BASIC.indexOf(c) >= 0 || EXTENSION.indexOf(c) >= 0; });
    var sizes = chars.map(function (c) {
      if (gsm7) { return EXTENSION.indexOf(c) >= 0 ? 2 : 1; }
      return c.codePointAt(0) > 0xFFFF ? 2 : 1;
    });
    var units = sizes.reduce(function (a, b) { return a + b; }, 0);
    if (units <= (gsm7 ? 160 : 70)) { return { gsm7: gsm7, segments: 1 }; }
    var part = gsm7 ? 153 : 67, segments = 1, room = part;
    sizes.forEach(function (size) {  // a character that does not fit whole starts the next part
      if (size > room) { segments += 1; room = part; }
      room -= size;
    });
    return { gsm7: gsm7, segments: segments };
  }

  function show() {
    var text = textarea.value.replace(/\r\n?/g, "\n").trim();
    line.hidden = !text;
    if (!text) { return; }
    var size = measure(text);
    var template = line.getAttribute(size.segments > most ? "data-over" : (size.gsm7 ? "data-gsm7" : "data-ucs2"));
    line.textContent = template.replace("%(segments)s", numbers ? numbers.format(size.segments) : size.segments);
  }

  textarea.addEventListener("input", show);
  show();
}());

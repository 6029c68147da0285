// Progressive enhancement: a group message's length in SMS while the trainer types, counted as the server counts
// it (lms/messaging/segments.py, lms/messaging/texts.py): typographic characters made plain, then the longest SMS
// the text makes in one of its frames (the group's name before it, the way to stop after it, in each language of
// the members: data-frames, a JSON list of [before, after]). Without JavaScript the preview shows the same.
(function () {
  "use strict";
  var textarea = document.querySelector("textarea[data-sms-counter]");
  var line = document.querySelector("[data-sms-count]");
  if (!textarea || !line || !Array.from || !String.prototype.normalize) { return; }
  // The GSM 03.38 alphabet, and its extension table (two units each).
  var BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡" +
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXTENSION = "^{}\\[~]|€\f";
  // segments.py TYPOGRAPHIC: typographic characters and what they become.
  var TYPOGRAPHIC = [
    [/[\u2018\u2019\u201A\u201B\u2032\u2035\u02B9\u2039\u203A]/g, "'"],
    [/[\u201C\u201D\u201E\u201F\u2033\u2036\u00AB\u00BB]/g, "\""],
    [/[\u2010\u2011\u2012\u2013\u2014\u2015\u2212]/g, "-"],
    [/\u2026/g, "..."],
    [/[\u00A0\u2000-\u200A\u202F\u205F\u3000]/g, " "],
    [/[\u00AD\uFEFF\u2060]/g, ""],
    [/[\u2028\u2029]/g, "\n"]
  ];
  var most = parseInt(line.getAttribute("data-most"), 10);
  var frames = JSON.parse(line.getAttribute("data-frames") || "[]");
  if (!frames.length) { frames = [["", ""]]; }
  var numbers = window.Intl ? new Intl.NumberFormat(document.documentElement.lang || undefined) : null;

  function plain(text) {
    return TYPOGRAPHIC.reduce(function (t, rule) { return t.replace(rule[0], rule[1]); }, text.normalize("NFC"));
  }

  function measure(text) {
    var chars = Array.from(text);
    var gsm7 = chars.every(function (c) { return BASIC.indexOf(c) >= 0 || EXTENSION.indexOf(c) >= 0; });
    var sizes = chars.map(function (c) {
      if (gsm7) { return EXTENSION.indexOf(c) >= 0 ? 2 : 1; }
      return c.codePointAt(0) > 0xFFFF ? 2 : 1;
    });
    var units = sizes.reduce(function (a, b) { return a + b; }, 0);
    if (units <= (gsm7 ? 160 : 70)) { return { gsm7: gsm7, units: units, segments: 1 }; }
    var part = gsm7 ? 153 : 67, segments = 1, room = part;
    sizes.forEach(function (size) {  // a character that does not fit whole starts the next part
      if (size > room) { segments += 1; room = part; }
      room -= size;
    });
    return { gsm7: gsm7, units: units, segments: segments };
  }

  function longest(text) {  // texts.py longest: most segments, then most units
    return frames.map(function (frame) { return measure(frame[0] + text + frame[1]); }).reduce(function (a, b) {
      return (b.segments > a.segments || (b.segments === a.segments && b.units > a.units)) ? b : a;
    });
  }

  function show() {
    var text = plain(textarea.value.replace(/\r\n?/g, "\n")).trim();
    line.hidden = !text;
    if (!text) { return; }
    var size = longest(text);
    var template = line.getAttribute(size.segments > most ? "data-over" : (size.gsm7 ? "data-gsm7" : "data-ucs2"));
    line.textContent = template.replace("%(segments)s", numbers ? numbers.format(size.segments) : size.segments);
  }

  textarea.addEventListener("input", show);
  show();
}());

// Loaded at the top of <body>, before anything is drawn: the NHS.UK frontend styles the
// enhanced components (and hides what their script will reveal) only under these classes.
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " nhsuk-frontend-supported" : "");

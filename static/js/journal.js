/* Small behaviours of the pages, kept out of inline handlers so the Content-Security-Policy
   needs no 'unsafe-inline' for scripts. Listeners sit on the document, so content that htmx
   swaps in later gets them too. */
(function () {
  "use strict";

  // A token shown once (settings page): one click selects all of it, ready to copy.
  document.addEventListener("click", function (event) {
    var field = event.target.closest && event.target.closest("input.token-value");
    if (field) {
      field.select();
    }
  });
})();

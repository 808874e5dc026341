// "Copy link" on an article: shown only where the browser can copy to the clipboard.
(function () {
    "use strict";
    document.querySelectorAll("[data-copy-url]").forEach(function (button) {
        if (!navigator.clipboard) {
            return;
        }
        button.hidden = false;
        button.addEventListener("click", function () {
            navigator.clipboard.writeText(button.dataset.copyUrl).then(function () {
                button.textContent = button.dataset.copiedLabel;
            });
        });
    });
})();

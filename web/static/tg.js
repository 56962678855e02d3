// Inside a Telegram Mini App the launch parameters arrive in the URL fragment
// (#tgWebAppData=...). Post them to /tg, where the server checks their signature.
(function () {
  var params = new URLSearchParams(window.location.hash.slice(1));
  var data = params.get("tgWebAppData") || "";
  if (!data && window.Telegram && window.Telegram.WebApp) data = window.Telegram.WebApp.initData;
  if (!data) {
    document.getElementById("tg-hint").hidden = false;
    return;
  }
  document.getElementById("init-data").value = data;
  document.getElementById("tg-form").submit();
})();

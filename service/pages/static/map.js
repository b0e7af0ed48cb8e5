// The map page's map: the proposals of the server-rendered list as markers, the areas'
// boundaries as outlines, tiles from the configured server (or none). Without JavaScript, or
// without Leaflet, the list alone is the page. Nothing here is written as HTML: names and
// titles go in as text, so a proposal's title can never become markup.
(function () {
  "use strict";
  var element = document.getElementById("map");
  if (!element || !window.L) { return; }
  var L = window.L;
  element.hidden = false;
  L.Icon.Default.imagePath = "/static/leaflet/images/";
  var map = L.map(element, { zoomControl: false, attributionControl: false });
  L.control.zoom({
    zoomInTitle: element.getAttribute("data-zoom-in"),
    zoomOutTitle: element.getAttribute("data-zoom-out")
  }).addTo(map);
  var tiles = element.getAttribute("data-tiles");
  if (tiles) {
    // The attribution is the operator's plain text; Leaflet takes HTML, so it is escaped.
    var credit = document.createElement("span");
    credit.textContent = element.getAttribute("data-attribution");
    L.control.attribution({ prefix: false }).addAttribution(credit.innerHTML).addTo(map);
    L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
  }
  var bounds = L.latLngBounds([]);
  var outlines = L.geoJSON(JSON.parse(element.getAttribute("data-boundaries")), {
    style: function () { return { color: "#0b4f8a", weight: 2, fillOpacity: 0.08 }; },
    interactive: false
  }).addTo(map);
  if (outlines.getLayers().length) { bounds.extend(outlines.getBounds()); }
  var closeLabel = element.getAttribute("data-close");
  // Markers closer than a finger's width are drawn as one numbered cluster (opened by a click,
  // a tap or Enter), so no marker hides another and every target stays at least 24 px
  // (WCAG 2.5.8). Without the plugin the markers go straight on the map.
  var markers = L.markerClusterGroup
    ? L.markerClusterGroup({ maxClusterRadius: 80, showCoverageOnHover: false })
    : map;
  document.querySelectorAll("#map-proposals li[data-lat]").forEach(function (item) {
    var link = item.querySelector("a");
    var point = [Number(item.getAttribute("data-lat")), Number(item.getAttribute("data-lon"))];
    var title = link.textContent;
    var popup = document.createElement("div");
    var to = document.createElement("a");
    to.href = link.getAttribute("href");
    to.textContent = title;
    var status = document.createElement("p");
    status.textContent = item.getAttribute("data-status");
    popup.appendChild(to);
    popup.appendChild(status);
    // Focusable (Tab), opened with Enter; the image's alt text names the proposal.
    L.marker(point, { alt: title, title: title, keyboard: true })
      .bindPopup(popup, { closeButton: true })
      .on("popupopen", function (event) {
        var close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
        if (close) { close.setAttribute("aria-label", closeLabel); close.title = closeLabel; }
      })
      .addTo(markers);
    bounds.extend(point);
  });
  if (markers !== map) { markers.addTo(map); }
  if (bounds.isValid()) {
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
  } else {
    map.setView([62, 15], 4);  // Sweden, for a list with nothing on it
  }
}());

"""The HTML report's style sheet: one column on a phone, the full width on a screen, A4 on paper.

Three layouts from one page (checked in headless Chromium at 400, 800 and 1280 px and printed to
PDF by tests/test_report_browser.py):

* up to 640 px: the narrow chart shapes, post cards one a line; up to 720 px, tables stacked one
  row a block (each cell with its heading);
* wider: the wide chart shapes, tables as tables, post cards in as many columns as fit;
* print: A4 portrait with 12 mm margins, the wide charts, nothing cut across two pages.

``ACCENT`` is replaced by the brand's colour (``brand: colour:`` in the config), else the default.
"""

from __future__ import annotations

ACCENT = "#1f6f43"

CSS = """
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0 auto;padding:24px;
color:#1d2330;background:#fff;max-width:1180px;line-height:1.4;font-size:14px}
header.top{display:flex;gap:16px;align-items:center;border-top:6px solid ACCENT;padding-top:14px}
header.top img.logo{max-height:64px;max-width:160px;object-fit:contain}
.brand{margin:0;font-weight:600;color:ACCENT;text-transform:uppercase;letter-spacing:.04em;font-size:13px}
h1{font-size:26px;margin:2px 0 4px;overflow-wrap:anywhere}
h2{font-size:18px;margin:30px 0 10px;border-bottom:2px solid ACCENT;padding-bottom:4px}
.meta{color:#5b6472;font-size:13px;margin:2px 0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(118px,1fr));gap:10px;margin:16px 0}
.card{border:1px solid #dde1e7;border-radius:8px;padding:8px 12px}
.card b{display:block;font-size:20px}.card span{color:#5b6472;font-size:12px}
.warn{background:#fdecec;border:1px solid #f3b5b5;color:#8a1c1c;border-radius:8px;padding:8px 12px;margin:10px 0}
.notice{background:#f5f7fa;border:1px solid #dde1e7;border-radius:8px;padding:8px 12px;margin:10px 0}
.note{color:#5b6472;font-size:12px;margin:4px 0 10px}
svg.chart{display:block;width:100%;height:auto}svg text{font-family:inherit}
.heat-wrap{max-width:980px}
.narrow{display:none}
table{border-collapse:collapse;font-size:13px;margin:6px 0 12px;width:100%}
th,td{border-bottom:1px solid #e6e9ee;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f5f7fa;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.key small{display:block;color:#5b6472;font-size:11px;font-weight:400}
th.n{white-space:nowrap}
.na{color:#9aa1ab}
.st-sent{color:#137a34}.st-failed,.st-missed,.st-unknown,.st-held{color:#b3261e;font-weight:600}
tr.flag td{background:#fff5f5}
ul.best{padding-left:20px}ul.best li{margin:4px 0}
.posts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,340px),1fr));gap:12px}
.post{display:flex;gap:12px;border:1px solid #dde1e7;border-radius:10px;padding:12px;min-width:0;break-inside:avoid}
.post.flag{border-color:#f3b5b5;background:#fffafa}
.pics{flex:0 0 96px;display:flex;flex-direction:column;gap:4px;position:relative}
.pics img{width:96px;height:96px;object-fit:cover;border-radius:6px;display:block;background:#eef0f3}
.pics .more,.pics .video{font-size:11px;color:#5b6472}
.post .body{min-width:0;flex:1}
.post .text{margin:0 0 6px;white-space:pre-line;overflow-wrap:anywhere}
.post .thread{color:#5b6472;font-size:12px;margin:0 0 6px}
.post .who{margin:0;font-size:12px;color:#5b6472;overflow-wrap:anywhere}
.post .who b{color:#1d2330}.post .who .w,.post .who a{white-space:nowrap}
.post .why{margin:4px 0 0;font-size:12px;color:#8a1c1c;overflow-wrap:anywhere}
.figures{display:flex;flex-wrap:wrap;gap:4px 12px;margin:8px 0 0;padding:0;list-style:none;font-size:12px;color:#5b6472}
.figures b{color:#1d2330;font-variant-numeric:tabular-nums}
.post a{color:ACCENT;overflow-wrap:anywhere}
footer{margin-top:28px;color:#9aa1ab;font-size:11px}
@media screen and (max-width:640px){
body{padding:12px;font-size:14px}
h1{font-size:22px}
header.top img.logo{max-height:48px;max-width:96px}
.wide{display:none}.narrow{display:block}
.pics{flex-basis:72px}.pics img{width:72px;height:72px}
}
@media screen and (max-width:720px){
table.stack thead{display:none}
table.stack tr{display:block;border:1px solid #e6e9ee;border-radius:8px;margin:0 0 8px;padding:4px 0}
table.stack td{display:flex;justify-content:space-between;gap:12px;border:0;padding:2px 10px;text-align:right}
table.stack td::before{content:attr(data-label);color:#5b6472;text-align:left}
table.stack td.key{font-weight:600;display:block;text-align:left}
table.stack td.key::before{content:none}
}
@page{size:A4 portrait;margin:12mm}
@media print{
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{max-width:none;padding:0;font-size:11px}
.wide{display:block!important}.narrow{display:none!important}
h2{break-after:avoid;margin-top:18px}
table{font-size:10.5px}th,td{padding:3px 5px}
svg.chart,.cards,table tr,.post,.notice,.warn{break-inside:avoid}
.heat-wrap{max-width:none}
.posts{grid-template-columns:1fr 1fr;gap:8px}
.post{padding:8px;gap:8px}
.pics{flex-basis:64px}.pics img{width:64px;height:64px}
a{text-decoration:none}
}
"""


def css(accent: str | None = None) -> str:
    """The style sheet with the brand's colour (a checked ``#rgb``/``#rrggbb``) as its accent."""
    return CSS.replace("ACCENT", accent or ACCENT)

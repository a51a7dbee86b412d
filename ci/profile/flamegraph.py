#!/usr/bin/env python3
"""flamegraph.py - draws folded stacks ("a;b;c 12" lines, as perf's
stackcollapse script and ci/profile/symbolise.py write them) as an SVG
flame graph: one box per frame, as wide as its share of the samples, the
root at the bottom. Hovering a box shows its function, samples and share;
clicking zooms into it, clicking the title zooms out.

Debian 12 packages neither Brendan Gregg's FlameGraph scripts nor
d3-flame-graph (the template perf's flamegraph report needs), and the
profiles must not download one at run time, so this draws its own. Only
the standard library.

usage: flamegraph.py [--title T] FOLDED OUT.svg
"""
import argparse
import hashlib
import html
import sys

WIDTH = 1200
ROW = 16
PAD = 10
TOP = 40
FONT_PX = 11
CHAR_PX = 6.6  # width of one character of the 11 px monospace font

ZOOM_JS = """
var full = null;
function zoom(g) {
  var x0 = +g.getAttribute('data-x'), w0 = +g.getAttribute('data-w');
  var lvl = +g.getAttribute('data-l');
  var k = (%(span)f) / w0;
  document.querySelectorAll('g.f').forEach(function (e) {
    var x = +e.getAttribute('data-x'), w = +e.getAttribute('data-w');
    var l = +e.getAttribute('data-l');
    var inside = x >= x0 - 1e-9 && x + w <= x0 + w0 + 1e-9 && l >= lvl;
    var r = e.querySelector('rect'), t = e.querySelector('text');
    if (!inside && !(l < lvl && x <= x0 && x + w >= x0 + w0)) {
      e.style.display = 'none'; return;
    }
    e.style.display = '';
    var nx = %(pad)d + Math.max(0, x - x0) * k;
    var nw = Math.min(w, w0) * k;
    if (l < lvl) { nx = %(pad)d; nw = %(span)f; }
    r.setAttribute('x', nx); r.setAttribute('width', nw);
    t.setAttribute('x', nx + 3);
    var n = Math.floor((nw - 6) / %(char)f), s = e.getAttribute('data-n');
    t.textContent = n < 3 ? '' : (s.length <= n ? s : s.slice(0, n - 2) + '..');
  });
}
function unzoom() { zoom(document.querySelector('g.f[data-l="0"]')); }
"""


class Node:
    def __init__(self, name):
        self.name = name
        self.count = 0
        self.children = {}


def read_folded(path):
    """Returns the root Node of the stacks in the folded file at path."""
    root = Node("all")
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            stack, _, n = line.rpartition(" ")
            if not stack or not n.isdigit():
                continue
            root.count += int(n)
            node = root
            for frame in stack.split(";"):
                node = node.children.setdefault(frame, Node(frame))
                node.count += int(n)
    return root


def colour(name):
    """A warm colour fixed by the function's name, so runs compare."""
    h = hashlib.md5(name.encode()).digest()
    return "rgb(%d,%d,%d)" % (205 + h[0] % 50, 80 + h[1] % 130, h[2] % 55)


def boxes(node, x, level, scale, total, out):
    """Appends one SVG group per frame at least 0.1 px wide."""
    w = node.count * scale
    if w < 0.1:
        return
    y = TOP + (depth_max[0] - level) * ROW
    pct = 100.0 * node.count / total
    label = html.escape(node.name)
    n = int((w - 6) / CHAR_PX)
    text = node.name if len(node.name) <= n else node.name[: max(0, n - 2)] + ".."
    if n < 3:
        text = ""
    out.append(
        '<g class="f" data-x="%.3f" data-w="%.3f" data-l="%d" data-n="%s" '
        'onclick="zoom(this)"><title>%s (%d samples, %.2f%%)</title>'
        '<rect x="%.3f" y="%d" width="%.3f" height="%d" fill="%s" rx="2"/>'
        '<text x="%.3f" y="%d">%s</text></g>'
        % (x, w, level, label, label, node.count, pct, x, y, w, ROW - 1,
           colour(node.name), x + 3, y + ROW - 4, html.escape(text)))
    cx = x
    for child in sorted(node.children.values(), key=lambda c: c.name):
        boxes(child, cx, level + 1, scale, total, out)
        cx += child.count * scale


def depth(node):
    return 1 + max((depth(c) for c in node.children.values()), default=0)


depth_max = [0]


def main():
    ap = argparse.ArgumentParser(description="folded stacks to an SVG flame graph")
    ap.add_argument("--title", default="Flame graph")
    ap.add_argument("folded")
    ap.add_argument("out")
    args = ap.parse_args()
    sys.setrecursionlimit(10000)
    root = read_folded(args.folded)
    if root.count == 0:
        sys.exit("flamegraph.py: no samples in %s" % args.folded)
    depth_max[0] = depth(root) - 1
    height = TOP + (depth_max[0] + 1) * ROW + PAD
    span = WIDTH - 2 * PAD
    out = []
    boxes(root, PAD, 0, span / root.count, root.count, out)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" standalone="no"?>\n')
        f.write('<svg xmlns="http://www.w3.org/2000/svg" version="1.1" '
                'width="%d" height="%d" viewBox="0 0 %d %d">\n'
                % (WIDTH, height, WIDTH, height))
        f.write('<style>text{font:%dpx monospace;fill:#000;pointer-events:none}'
                'g.f:hover rect{stroke:#000;stroke-width:0.5}'
                'g.f{cursor:pointer}</style>\n' % FONT_PX)
        f.write("<script><![CDATA[%s]]></script>\n"
                % (ZOOM_JS % {"span": span, "pad": PAD, "char": CHAR_PX}))
        f.write('<rect width="100%%" height="100%%" fill="#fdfdf6"/>\n')
        f.write('<text x="%d" y="20" style="font-size:15px;cursor:pointer;'
                'pointer-events:auto" onclick="unzoom()">%s '
                '(%d samples; click a frame to zoom, here to reset)</text>\n'
                % (PAD, html.escape(args.title), root.count))
        f.write("\n".join(out))
        f.write("\n</svg>\n")


if __name__ == "__main__":
    main()

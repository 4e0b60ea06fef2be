"""`gates report`: a session as one self-contained HTML page (page.py), its charts as inline SVG (charts.py, svg.py)."""

"""Documents the program hands out: Excel workbooks (`xlsx`) now, PDFs later.

Builders here take plain values from the services and know nothing of the database or Qt.
"""

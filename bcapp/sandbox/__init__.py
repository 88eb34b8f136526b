"""Working simulators of BigCommerce and each ERP, as WSGI apps.

Tests mount them into the real clients with ``httpx.WSGITransport``; the demo
and end-to-end tests serve the same apps on localhost ports.
"""

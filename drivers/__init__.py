"""Transports: everything that touches a port, a radio or a file, behind one `Source` interface."""

"""tabkit.search"""

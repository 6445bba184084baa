"""tabkit.report"""

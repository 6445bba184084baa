"""tabkit.datasets"""

"""Passenger and crew lists before arrival: PAXLST and FAL CSV import, pre-screening, no-show report.

``service.import_files`` reads (``paxlst.read_paxlst`` / ``falcsv.read_fal_csv``), screens every
person with the booth's engine (``adapter.screen_person``, the one bridge to the engine) and stores
the manifest in one transaction (``store``); ``service.rescreen`` re-screens open manifests after a
list update and reports changed verdicts; ``linking.link`` tells which manifest entry a scan is.
"""

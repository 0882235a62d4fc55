#!/usr/bin/python3
"""An astropy SAMP hub and an astropy SAMP client, driven by the SAMP test over stdin/stdout (JSON lines).

  samp_peer.py LOCKFILE

Starts astropy's SAMPHubServer on 127.0.0.1 (Standard Profile only) writing LOCKFILE, connects the
client "python-peer" (subscribed to table.load.votable), prints {"event": "ready"}, then obeys one
command per line:
  {"cmd": "find", "name": N}               -> {"event": "found", "id", "subscriptions"} (waits up to 10 s)
  {"cmd": "call", "id", "mtype", "params", ["fits_rows_of": PATH]}
                                            -> {"event": "response", "response" | "error", ["astropy_rows"]}
  {"cmd": "stop"}                          -> stops client and hub, {"event": "stopped"}, exits
A received table.load.votable is read with astropy and printed as {"event": "table", "params", "columns"}.
The process ends by itself after 60 s, or when stdin closes, so a failed test never leaves a hub behind.
"""
import json
import math
import os
import sys
import threading
import time
import warnings

warnings.simplefilter("ignore")
from astropy.samp import SAMPHubServer, SAMPIntegratedClient, conf  # noqa: E402

conf.use_internet = False
lock = threading.Lock()


def emit(obj):
    with lock:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()


def plain(v):
    if isinstance(v, float) and math.isnan(v):
        return "nan"
    if hasattr(v, "item"):
        return plain(v.item())
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, int) and not isinstance(v, bool):
        return str(v)
    return v


def main():
    lockfile = sys.argv[1]
    hub = SAMPHubServer(addr="127.0.0.1", lockfile=lockfile, web_profile=False, timeout=60)
    hub.start(wait=False)
    client = SAMPIntegratedClient(name="python-peer", description="astropy peer of the REMAP SAMP test",
                                  addr="127.0.0.1")
    client.connect(hub=hub)

    def stop(code):
        try:
            client.disconnect()
        except Exception:
            pass
        hub.stop()
        emit({"event": "stopped"})
        os._exit(code)

    threading.Timer(60.0, stop, args=(3,)).start()

    def on_table(private_key, sender_id, msg_id, mtype, params, extra):
        from astropy.io import votable
        try:
            path = params["url"][len("file://"):] if params["url"].startswith("file://") else params["url"]
            t = votable.parse(path, verify="exception").get_first_table().to_table(use_names_over_ids=True)
            columns = {c: {"unit": None if t[c].unit is None else t[c].unit.to_string(),
                           "values": ["masked" if m else plain(v) for v, m in
                                      zip(t[c].data.data.tolist(), t[c].mask.tolist() if hasattr(t[c], "mask")
                                          else [False] * len(t))]}
                       for c in t.colnames}
            emit({"event": "table", "sender": sender_id, "params": params, "columns": columns})
            if msg_id is not None:
                client.reply(msg_id, {"samp.status": "samp.ok", "samp.result": {"rows": str(len(t))}})
        except Exception as e:  # answer, and let the test see why
            emit({"event": "table", "error": repr(e)})
            if msg_id is not None:
                client.reply(msg_id, {"samp.status": "samp.error", "samp.error": {"samp.errortxt": repr(e)}})

    client.bind_receive_call("table.load.votable", on_table)
    client.bind_receive_notification("table.load.votable",
                                     lambda k, s, mt, p, e: on_table(k, s, None, mt, p, e))
    emit({"event": "ready", "self_id": client.get_public_id()})

    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        cmd = json.loads(line)
        if cmd["cmd"] == "find":
            found = None
            deadline = time.time() + 10
            while found is None and time.time() < deadline:
                for cid in client.get_registered_clients():
                    if client.get_metadata(cid).get("samp.name") == cmd["name"]:
                        found = cid
                time.sleep(0.05)
            emit({"event": "found", "id": found,
                  "subscriptions": list(client.get_subscriptions(found).keys()) if found else []})
        elif cmd["cmd"] == "call":
            out = {"event": "response"}
            try:
                out["response"] = client.call_and_wait(cmd["id"], {"samp.mtype": cmd["mtype"],
                                                                   "samp.params": cmd["params"]}, "10")
            except Exception as e:
                out["error"] = repr(e)
            if "fits_rows_of" in cmd:
                from astropy.io import fits
                out["astropy_rows"] = len(fits.getdata(cmd["fits_rows_of"], 1))
            emit(out)
        elif cmd["cmd"] == "stop":
            stop(0)
    stop(0)  # stdin closed: the test is gone


if __name__ == "__main__":
    main()

"""Serves a c10d TCPStore at 127.0.0.1:PORT as torchrun's agent does under its static rendezvous
(TORCHELASTIC_USE_AGENT_STORE=True), so that tests can run tl's ranks against it; prints "ready"
once it listens, then serves until it is killed."""
import datetime
import sys
import time

import torch.distributed as dist

store = dist.TCPStore("127.0.0.1", int(sys.argv[1]), 1, True, datetime.timedelta(seconds=300),
                      wait_for_workers=False)
print("ready", flush=True)
while True:
    time.sleep(60)

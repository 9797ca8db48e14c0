"""The seed's FastAPI receiver for the receiver benchmark: its models unchanged, the header read with
Header(default=None) (the seed's form reads the query string instead), and the print left out so the
benchmark measures receiving, not the terminal."""
import sys
from typing import Union

import uvicorn
from fastapi import FastAPI, Header
from pydantic import BaseModel

app = FastAPI()


class EventDetail(BaseModel):
    sessionId: str
    qosStatus: str
    statusInfo: str


class Event(BaseModel):
    eventType: str
    eventTime: str
    eventDetail: EventDetail


class Notification(BaseModel):
    id: str
    source: str
    type: str
    specversion: str
    datacontenttype: str
    time: str
    event: Event
    data: EventDetail


@app.post("/qod")
def receive_notification(notification: Notification, authorization: Union[str, None] = Header(default=None)):
    if authorization == "Bearer my-token":
        pass


if __name__ == "__main__":
    print("ready", flush=True)
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)

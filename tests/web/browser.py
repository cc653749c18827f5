#!/usr/bin/python3
"""The Cockpit page in headless Chromium (driven by Selenium), against the
netns router of tests/lib/topology.sh; run by tests/web/run.sh in the
router's network namespace, where cockpit-ws listens on 127.0.0.1.

Prints a "PASS: ..." or "FAIL: ..." line a check and "DONE" at the end.
Every check looks at the DOM and, for what the page changes, at
`ptctl -j list` in the router. Environment: URL, PTCTL, NS_R, NS_H1, NS_H2, NS_W,
H1, R_WAN, W, OUT (where the screenshots go), PROFILE (Chromium's profile
directory).
"""

import json
import os
import subprocess
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

ENV = os.environ
URL = ENV["URL"]
OUT = ENV["OUT"]
failures = 0


def report(ok, desc, detail=""):
    global failures
    if ok:
        print(f"PASS: {desc}", flush=True)
    else:
        failures += 1
        print(f"FAIL: {desc}" + (f" ({detail})" if detail else ""), flush=True)
    return ok


def ptctl(*args, check=False):
    """ptctl -j ARGS in the router: (exit status, parsed JSON or None)."""
    p = subprocess.run(
        ["nsenter", f"--net=/run/netns/{ENV['NS_R']}", ENV["PTCTL"], "-j", *args],
        capture_output=True, text=True, timeout=20)
    try:
        out = json.loads(p.stdout) if p.stdout.strip() else None
    except ValueError:
        out = None
    if check and p.returncode != 0:
        raise RuntimeError(f"ptctl {' '.join(args)}: {p.stdout} {p.stderr}")
    return p.returncode, out


def rules():
    """The rules of wan0 by name, from ptctl -j list ({} when not loaded)."""
    rc, out = ptctl("list", "--dev", "wan0")
    return {r["name"]: r for r in out["rules"]} if rc == 0 and out else {}


# What a rule is (its definition), without its state and counters.
DEFINITION = ("name", "trigger", "open", "timeout", "enabled", "policy", "peer", "allow")


def definitions():
    return {n: {k: r[k] for k in DEFINITION} for n, r in rules().items()}


def trigger_h1(port, ns=None):
    """H1 (or the host of namespace NS) sends a UDP datagram to W's PORT: a
    trigger, as the ops test does it."""
    subprocess.run(["ip", "netns", "exec", ns or ENV["NS_H1"], "socat", "-u", "-", f"UDP:{ENV['W']}:{port}"],
                   input="x\n", text=True, capture_output=True, timeout=10)


def wait(fn, timeout, interval=0.1):
    """fn() until it returns something true, at most TIMEOUT seconds; its last value."""
    end = time.monotonic() + timeout
    while True:
        try:
            v = fn()
        except WebDriverException:
            v = None
        if v or time.monotonic() >= end:
            return v
        time.sleep(interval)


def start_browser():
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
              "--window-size=1280,900", f"--user-data-dir={ENV['PROFILE']}",
              "--no-first-run", "--disable-extensions", "--lang=en-US"):
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    o.page_load_strategy = "eager"
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
    d.set_page_load_timeout(30)
    return d


console = []


def console_errors(d):
    console.extend(d.get_log("browser"))
    return [e for e in console if e.get("level") == "SEVERE"]


def row(d, name):
    """The table row whose first cell is NAME, or None."""
    for tr in d.find_elements(By.CSS_SELECTOR, "#rules tbody tr"):
        cells = tr.find_elements(By.XPATH, "./*")
        if cells and cells[0].text.strip() == name:
            return tr
    return None


def cell(d, name, label):
    tr = row(d, name)
    if not tr:
        return None
    return tr.find_element(By.CSS_SELECTOR, f"[data-label='{label}']").text.strip()


def button(d, name, text):
    tr = row(d, name)
    if not tr:
        return None
    for b in tr.find_elements(By.TAG_NAME, "button"):
        if b.text.strip() == text:
            return b
    return None


def click(d, name, text):
    b = wait(lambda: (lambda b: b if b and b.is_enabled() else None)(button(d, name, text)), 5)
    if not b:
        return False
    b.click()
    return True


def fill(d, values):
    """Type into the add-rule form, fields found by their visible label text."""
    for label, value in values.items():
        field = label_field(d, label)
        if field.tag_name == "select":
            d.execute_script("arguments[0].value = arguments[1]", field, value)
        else:
            field.clear()
            field.send_keys(value)


def label_field(d, text):
    for lab in d.find_elements(By.CSS_SELECTOR, "#add-form label"):
        if lab.text.strip() == text:
            return d.find_element(By.ID, lab.get_attribute("for"))
    raise RuntimeError(f"no label '{text}'")


def form_values(d):
    return {t: label_field(d, t).get_attribute("value")
            for t in ("Name", "Trigger", "Open ports", "Timeout", "Allow", "Policy")}


def submit(d, form_button="Add rule"):
    for b in d.find_elements(By.CSS_SELECTOR, "#add-form button"):
        if b.text.strip() == form_button:
            b.click()
            return


def add_error(d):
    e = d.find_element(By.ID, "add-error")
    return e.text.strip() if e.is_displayed() else ""


def events(d, kind=None, rule=None):
    out = []
    for li in d.find_elements(By.CSS_SELECTOR, "#events li"):
        k = li.find_element(By.CLASS_NAME, "pt-event-kind").text
        r = li.find_element(By.CLASS_NAME, "pt-event-rule").text
        if (kind is None or k == kind) and (rule is None or r == rule):
            out.append(li.text)
    return out


def no_alert(d):
    try:
        d.switch_to.alert.dismiss()
        return False
    except NoAlertPresentException:
        return True


def scenarios(d):
    ptctl("unload", "wan0")

    # Not loaded anywhere: the page says so and offers Load.
    d.get(URL)
    report(wait(lambda: d.find_element(By.ID, "not-loaded").is_displayed(), 15),
           "not loaded: the page says so")
    iface = d.find_element(By.ID, "load-iface")
    iface.send_keys("nosuch0")
    d.find_element(By.ID, "load-button").click()
    err = wait(lambda: d.find_element(By.ID, "load-error").text.strip(), 10)
    rc, out = ptctl("load", "nosuch0")
    report(err and out and err == "Error: " + out.get("error", ""),
           "Load on a missing interface shows ptctl's error", err)
    report(iface.get_attribute("value") == "nosuch0", "...and keeps what was typed")
    iface.clear()
    iface.send_keys("wan0")
    d.find_element(By.ID, "load-button").click()
    report(wait(lambda: d.find_element(By.ID, "st-dev").text == "wan0", 15),
           "Load wan0: the page shows its status")
    rc, st = ptctl("status", "--dev", "wan0")
    report(rc == 0 and st and st.get("dev") == "wan0", "...and ptctl status shows wan0 loaded")
    report(d.find_element(By.ID, "st-wan").text.startswith(ENV["R_WAN"]) and
           d.find_element(By.ID, "st-mode").text.startswith("XDP ") and
           d.find_element(By.ID, "st-health").text == "healthy",
           "status: mode, WAN address in use, health",
           d.find_element(By.ID, "status").text.replace("\n", " "))

    # A rule added with the CLI appears.
    ptctl("add-rule", "irc", "--dev", "wan0", "--trigger", "udp:6667", "--open", "udp:59000-59010",
          "--timeout", "10m", check=True)
    report(wait(lambda: row(d, "irc"), 3), "a rule added with the CLI appears (within 3 s)")
    report(cell(d, "irc", "Trigger") == "udp:6667" and cell(d, "irc", "Open ports") == "udp:59000-59010"
           and cell(d, "irc", "Timeout") == "10m" and cell(d, "irc", "Enabled") == "yes"
           and cell(d, "irc", "State") == "idle",
           "...with its trigger, open ports, timeout, enabled and state",
           row(d, "irc").text.replace("\n", " ") if row(d, "irc") else "")

    # H1 triggers it: holder within 2 s, and an "activated" event.
    trigger_h1(6667)
    t0 = time.monotonic()
    ok = wait(lambda: cell(d, "irc", "Holder") == ENV["H1"], 2, 0.05)
    took = time.monotonic() - t0
    report(ok, f"after H1 triggers, H1 is the holder on the page within 2 s ({took:.2f} s)",
           cell(d, "irc", "Holder"))
    report(rules().get("irc", {}).get("holder") == ENV["H1"], "...as ptctl -j list says")
    report(wait(lambda: events(d, "activated", "irc"), 2), "an 'activated' event for irc is listed")
    report(ENV["H1"] in " ".join(events(d, "activated", "irc")), "...naming H1")
    left = cell(d, "irc", "Time left")
    report(left and left != "—" and cell(d, "irc", "State") == "active", "state active, time left shown", left)

    # Forwarded traffic for the chart: W to the WAN address on an open port.
    subprocess.run(["ip", "netns", "exec", ENV["NS_W"], "bash", "-c",
                    f"for i in $(seq 60); do echo x >/dev/udp/{ENV['R_WAN']}/59000; sleep 0.02; done"],
                   capture_output=True, timeout=20)
    report(wait(lambda: rules()["irc"]["pkts_in"] >= 60, 3), "W's packets are forwarded (ptctl -j list)")
    peak = wait(lambda: d.execute_script(
        "const s = document.querySelector('#chart svg text'); return s && s.textContent !== '1/s' && s.textContent"), 5)
    report(peak, "the interface chart shows the forwarded packets", str(peak))
    report(wait(lambda: d.execute_script(
        "const p = document.querySelector('#rules tbody tr[data-rule=\"irc\"] .pt-spark polyline');"
        "return p && p.getAttribute('points').split(' ').some(xy => parseFloat(xy.split(',')[1]) < 20)"), 5),
        "...and irc's own chart too")

    # A rule added through the form is in ptctl -j list with the values typed.
    typed = {"Name": "game.1", "Trigger": "udp:27015-27030", "Open ports": "udp:27000-27010,tcp:27020",
             "Timeout": "90s", "Allow": "192.168.77.0/24", "Policy": "newest"}
    fill(d, typed)
    submit(d)
    got = wait(lambda: rules().get("game.1"), 5)
    want = {"name": "game.1", "trigger": "udp:27015-27030", "open": ["udp:27000-27010", "tcp:27020"],
            "timeout": 90, "allow": ["192.168.77.0/24"], "policy": "newest", "enabled": True}
    report(got and all(got.get(k) == v for k, v in want.items()),
           "a rule added through the form is in ptctl -j list with the values typed",
           json.dumps({k: got.get(k) for k in want}) if got else "missing")
    report(wait(lambda: row(d, "game.1"), 3), "...and in the table")
    report(wait(lambda: form_values(d)["Name"] == "", 3) and not add_error(d), "...the form is cleared, no error")

    # A bad port: ptctl's error next to the form, nothing changed, the form keeps it.
    before = definitions()
    bad = {"Name": "bad", "Trigger": "tcp:1000", "Open ports": "tcp:99999", "Timeout": "1m",
           "Allow": "", "Policy": "hold"}
    fill(d, bad)
    submit(d)
    err = wait(lambda: add_error(d), 5)
    rc, out = ptctl("add-rule", "bad", "--dev", "wan0", "--trigger", "tcp:1000", "--open", "tcp:99999")
    report(rc != 0 and out and err == "Error: " + out["error"], "a bad port shows ptctl's error", err)
    report(definitions() == before, "...and ptctl -j list is unchanged")
    report(form_values(d) == bad, "...and the form keeps what was typed", json.dumps(form_values(d)))
    report(not row(d, "bad"), "...and the table has no such rule")

    # Markup in what ptctl says goes in as text.
    for name in ("x<img src=x onerror=alert(1)>", "<b>bold</b>"):
        fill(d, {"Name": name, "Open ports": "tcp:40000"})
        submit(d)
        err = wait(lambda: name in add_error(d) and add_error(d), 5)
        rc, out = ptctl("add-rule", name, "--dev", "wan0", "--trigger", "tcp:1000", "--open", "tcp:40000")
        report(err and out and err == "Error: " + out["error"], f"an error echoing {name} shows ptctl's text", err)
        report(d.find_element(By.ID, "add-error").get_attribute("textContent").strip() == err and
               not d.find_elements(By.CSS_SELECTOR, "#add-error *"),
               "...as text: no element inside the error")
    report(not d.find_elements(By.TAG_NAME, "img") and not d.find_elements(By.CSS_SELECTOR, "main b"),
           "no <img> or <b> element anywhere in the page")
    report(no_alert(d) and d.execute_script("return document.title") == "Port triggering",
           "no script ran (no alert)")
    report(definitions() == before, "...and ptctl -j list is unchanged")

    # Disable, enable, release, delete through the buttons.
    click(d, "irc", "Disable")
    report(wait(lambda: rules()["irc"]["enabled"] is False and rules()["irc"]["state"] == "disabled", 5),
           "Disable: ptctl -j list shows irc disabled")
    report(wait(lambda: button(d, "irc", "Enable") and cell(d, "irc", "Enabled") == "no", 3),
           "...and the page offers Enable")
    click(d, "irc", "Enable")
    report(wait(lambda: rules()["irc"]["enabled"] is True, 5), "Enable: ptctl -j list shows irc enabled")
    trigger_h1(6667)
    report(wait(lambda: cell(d, "irc", "Holder") == ENV["H1"], 3), "H1 holds irc again")
    click(d, "irc", "Release")
    report(wait(lambda: rules()["irc"]["state"] == "idle" and rules()["irc"]["holder"] is None, 5),
           "Release: ptctl -j list shows irc idle, no holder")
    report(wait(lambda: events(d, "released", "irc"), 3), "...and a 'released' event is listed")
    click(d, "game.1", "Delete")
    dialog = d.find_element(By.ID, "confirm")
    report(wait(lambda: dialog.is_displayed(), 3) and "game.1" in dialog.text, "Delete asks for confirmation")
    d.find_element(By.ID, "confirm-cancel").click()
    time.sleep(0.5)
    report("game.1" in rules() and row(d, "game.1"), "...Cancel keeps the rule")
    click(d, "game.1", "Delete")
    wait(lambda: dialog.is_displayed(), 3)
    d.find_element(By.ID, "confirm-delete").click()
    report(wait(lambda: "game.1" not in rules(), 5), "Delete, confirmed: the rule is gone from ptctl -j list")
    report(wait(lambda: not row(d, "game.1"), 3), "...and from the table")

    # More rules and events for the screenshot: a refusal (cam allows H2
    # only), a conflict (H2 while H1 holds irc), a rule added with the form.
    ptctl("add-rule", "cam", "--dev", "wan0", "--trigger", "udp:8554", "--open", "tcp:8000-8010",
          "--allow", "192.168.77.11", check=True)
    trigger_h1(6667)
    trigger_h1(8554, ENV["NS_H2"])
    trigger_h1(6667, ENV["NS_H2"])
    trigger_h1(8554)
    report(wait(lambda: events(d, "refused", "cam") and events(d, "conflict", "irc"), 3),
           "'refused' and 'conflict' events are listed")
    fill(d, {"Name": "voip", "Trigger": "udp:5060", "Open ports": "udp:10000-10100", "Timeout": "2m",
             "Allow": "", "Policy": "hold"})
    submit(d)
    report(wait(lambda: "voip" in rules() and row(d, "voip") and not add_error(d), 5),
           "after an error, a good rule from the form is added and the error goes")
    subprocess.run(["ip", "netns", "exec", ENV["NS_W"], "bash", "-c",
                    f"for i in $(seq 40); do echo x >/dev/udp/{ENV['R_WAN']}/59001; sleep 0.02; done"],
                   capture_output=True, timeout=20)
    time.sleep(2.2)
    # The whole page, as the README shows it.
    d.set_window_size(1100, 900)
    time.sleep(0.3)
    height = d.execute_script("return document.documentElement.scrollHeight")
    inner = d.execute_script("return window.innerHeight")
    d.set_window_size(1100, min(int(height) + 900 - int(inner) + 10, 3000))
    d.execute_script("window.scrollTo(0, 0)")
    time.sleep(0.3)
    d.save_screenshot(os.path.join(OUT, "cockpit.png"))

    # A phone: 375 px wide, nothing wider than the screen.
    d.set_window_size(375, 812)
    width = wait(lambda: d.execute_script("return window.innerWidth") <= 375 and
                 d.execute_script("return document.documentElement.scrollWidth"), 3)
    report(width and width <= 375, "at 375 px nothing is wider than the screen", f"scrollWidth {width}")
    b = button(d, "irc", "Disable")
    report(b and b.is_displayed() and b.size["width"] > 0 and
           b.location["x"] + b.size["width"] <= 375, "...the rule buttons are on screen")
    report(label_field(d, "Name").size["width"] <= 375 - 20, "...and the form fits")
    d.save_screenshot(os.path.join(OUT, "cockpit-phone.png"))
    d.set_window_size(1280, 900)

    # Two interfaces loaded: a selector names both (ptctl -j list --all), and
    # each shows its own rules.
    in_r = ["nsenter", f"--net=/run/netns/{ENV['NS_R']}"]
    subprocess.run(in_r + ["ip", "link", "add", "wan9", "type", "veth", "peer", "name", "wan9p"],
                   capture_output=True, timeout=10)
    subprocess.run(in_r + ["ip", "link", "set", "wan9", "up"], capture_output=True, timeout=10)
    ptctl("load", "wan9", check=True)
    ptctl("add-rule", "nine", "--dev", "wan9", "--trigger", "udp:9", "--open", "udp:9009", check=True)

    def devs():
        field = d.find_element(By.ID, "dev-field")
        return [o.text for o in d.find_elements(By.CSS_SELECTOR, "#dev option")] if field.is_displayed() else []
    report(wait(lambda: devs() == ["wan0", "wan9"], 5), "two interfaces: a selector names both", str(devs()))
    Select(d.find_element(By.ID, "dev")).select_by_visible_text("wan9")
    report(wait(lambda: row(d, "nine") and not row(d, "irc"), 5), "...wan9 chosen: its rules, not wan0's")
    Select(d.find_element(By.ID, "dev")).select_by_visible_text("wan0")
    report(wait(lambda: row(d, "irc") and not row(d, "nine"), 5), "...wan0 again: its rules")
    ptctl("unload", "wan9")
    subprocess.run(in_r + ["ip", "link", "del", "wan9"], capture_output=True, timeout=10)
    report(wait(lambda: not d.find_element(By.ID, "dev-field").is_displayed(), 5),
           "...wan9 unloaded: no selector")

    errs = console_errors(d)
    report(not errs, "the browser console has no errors", "; ".join(e["message"] for e in errs)[:500])


def main():
    d = start_browser()
    try:
        scenarios(d)
    except Exception as e:  # a check that could not even run is a failure
        report(False, f"the scenarios ran to the end: {type(e).__name__}: {str(e)[:300]}")
    finally:
        d.quit()
    print("DONE", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

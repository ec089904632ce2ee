#!/usr/bin/python3
# syapp-atspi.py — drives and inspects the Switchyard app through AT-SPI,
# the way a screen reader or an automation tool sees it.
#
# Copyright 2026 The Switchyard developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   syapp-atspi.py unnamed             list controls without a usable name (exit 1 if any)
#   syapp-atspi.py press ROLE NAME [WINDOW]
#                                      run the first action of a visible control
#                                      (in the window of that title)
#   syapp-atspi.py wait NAME [SECONDS] wait until a visible element has this name
#   syapp-atspi.py gone NAME [SECONDS] wait until no visible element has this name
#   syapp-atspi.py type NAME TEXT      replace the text of a visible text field
#   syapp-atspi.py action WINDOW NAME  run a window's action (e.g. window.close)
#   syapp-atspi.py dump                print the tree
#
# Run by test-app-ui.c on the test's private session bus.

import sys
import time
import warnings

import gi
gi.require_version('Atspi', '2.0')
from gi.repository import Atspi  # noqa: E402

warnings.simplefilter('ignore', DeprecationWarning)

APP = 'switchyard'

# Roles a person operates; each needs a name a screen reader can say.
INTERACTIVE = {
    'push button', 'toggle button', 'check box', 'radio button', 'combo box',
    'text', 'password text', 'entry', 'spin button', 'slider', 'menu item',
    'page tab', 'switch', 'link',
}


def find_app():
    desktop = Atspi.get_desktop(0)
    for i in range(desktop.get_child_count()):
        app = desktop.get_child_at_index(i)
        if app is not None and app.get_name() == APP:
            return app
    return None


def walk(node, showing_only=False):
    try:
        states = node.get_state_set()
    except Exception:
        return
    # GTK 4.8 marks only windows "showing"; a hidden widget (and so all
    # below it) is not "visible".
    if (showing_only and node.get_role_name() != 'application'
            and not states.contains(Atspi.StateType.VISIBLE)):
        return
    yield node
    for i in range(node.get_child_count()):
        child = node.get_child_at_index(i)
        if child is not None:
            yield from walk(child, showing_only)


def describe(node):
    return f"{node.get_role_name()} '{node.get_name()}'"


def path_of(node):
    parts = []
    while node is not None and node.get_role_name() != 'application':
        parts.append(node.get_role_name())
        node = node.get_parent()
    return ' < '.join(parts[:6])


def usable_name(name):
    # GTK falls back to the widget's type name when nothing names it; a
    # mnemonic's underscore or a name said twice ("Cancel Cancel") is what
    # GTK 4.8 makes of a button's label when left alone.
    if not name or name.startswith(('Gtk', 'Adw')) or name.startswith('_'):
        return False
    words = name.casefold().split()
    half = len(words) // 2
    return not (len(words) % 2 == 0 and half > 0 and words[:half] == words[half:])


def wait_for_app(seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app = find_app()
        if app is not None and app.get_child_count() > 0:
            return app
        time.sleep(0.2)
    sys.exit(f'{APP} did not appear on the accessibility bus')


def cmd_unnamed(app):
    bad = []
    # Hidden widgets cannot be reached; everything else can.
    for node in walk(app, showing_only=True):
        if node.get_role_name() in INTERACTIVE and not usable_name(node.get_name()):
            bad.append(f'{describe(node)} in {path_of(node)}')
    for line in bad:
        print('unnamed:', line)
    return 1 if bad else 0


def find(app, role, name, actionable=False):
    for node in walk(app, showing_only=True):
        if node.get_name() == name and (role == '*' or node.get_role_name() == role):
            # A GtkMenuButton is a named box around the button that can
            # be pressed.
            if actionable:
                node = next((n for n in walk(node, showing_only=True) if has_action(n)), None)
                if node is None:
                    continue
            return node
    return None


def has_action(node):
    action = node.get_action_iface()
    return action is not None and action.get_n_actions() > 0


def window_named(app, title):
    for i in range(app.get_child_count()):
        frame = app.get_child_at_index(i)
        if frame is not None and frame.get_name() == title:
            return frame
    return None


def cmd_press(app, role, name, window=None, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        scope = window_named(app, window) if window else app
        node = find(scope, role, name, actionable=True) if scope else None
        if node is not None:
            node.get_action_iface().do_action(0)
            return 0
        time.sleep(0.2)
    print('showing:', *showing_names(app), sep='\n  ')
    sys.exit(f'no showing {role} named {name!r}')


def showing_names(app):
    return sorted({describe(node) for node in walk(app, showing_only=True) if node.get_name()})


def cmd_wait(app, name, seconds, present):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if (find(app, '*', name) is not None) == present:
            return 0
        time.sleep(0.2)
    # What was there instead, for the test log.
    print('showing:', *showing_names(app), sep='\n  ')
    sys.exit(f'{name!r} {"never appeared" if present else "did not go away"}')


def cmd_type(app, name, text, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for node in walk(app, showing_only=True):
            if node.get_name() == name and node.get_role_name() in ('text', 'password text', 'entry'):
                editable = node.get_editable_text_iface()
                if editable is None:
                    sys.exit(f'{describe(node)} is not editable')
                editable.set_text_contents(text)
                return 0
        time.sleep(0.2)
    sys.exit(f'no visible text field named {name!r}')


def cmd_action(app, window, name):
    frame = window_named(app, window)
    if frame is None:
        sys.exit(f'no window {window!r}')
    action = frame.get_action_iface()
    for j in range(action.get_n_actions() if action else 0):
        if action.get_action_name(j) == name:
            action.do_action(j)
            return 0
    sys.exit(f'window {window!r} has no action {name}')


def cmd_dump(app):
    def rec(node, depth):
        print('  ' * depth + describe(node))
        for i in range(node.get_child_count()):
            child = node.get_child_at_index(i)
            if child is not None:
                rec(child, depth + 1)
    rec(app, 0)
    return 0


def main(argv):
    app = wait_for_app()
    command = argv[1] if len(argv) > 1 else 'dump'
    if command == 'unnamed':
        return cmd_unnamed(app)
    if command == 'press':
        return cmd_press(app, argv[2], argv[3], argv[4] if len(argv) > 4 else None)
    if command in ('wait', 'gone'):
        seconds = float(argv[3]) if len(argv) > 3 else 15
        return cmd_wait(app, argv[2], seconds, command == 'wait')
    if command == 'type':
        return cmd_type(app, argv[2], argv[3])
    if command == 'action':
        return cmd_action(app, argv[2], argv[3])
    if command == 'dump':
        return cmd_dump(app)
    sys.exit(f'unknown command {command}')


if __name__ == '__main__':
    sys.exit(main(sys.argv))

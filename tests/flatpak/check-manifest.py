#!/usr/bin/env python3
# Checks flatpak/dev.switchyard.Switchyard.json against the meson build it
# packages. Flathub (and so the GNOME runtime) cannot be reached where the
# tests run, so the manifest is never built here; this keeps it from drifting
# from the build instead: every wrap and every dependency() the build uses is
# provided, sources are pinned, the sandbox grants stay minimal, and the D-Bus
# activation file comes out of the manifest's post-install in a shape Flatpak
# exports and the host bus can activate.
#
# Output is TAP, one line per check.
#
#   check-manifest.py MANIFEST --source-root DIR --bus-name NAME
#                     --daemon-exe NAME [--app-exe NAME]
#   check-manifest.py MANIFEST --flatpak-builder PATH

import argparse
import configparser
import json
import os
import re
import subprocess
import sys
import tempfile

# The sandbox grants and why each one is needed. Anything else fails the
# check, so that a new permission is a deliberate change to this list.
FINISH_ARGS = {
    '--share=network': 'switchyardd listens on 127.0.0.1 and dials upstreams',
    '--share=ipc': 'X11 shared memory for the fallback-x11 socket',
    '--socket=wayland': 'the GTK app',
    '--socket=fallback-x11': 'the GTK app outside Wayland sessions',
    '--device=dri': 'GTK renders with OpenGL/Vulkan',
    '--system-talk-name=org.freedesktop.NetworkManager':
        'importing NetworkManager WireGuard connections',
}

# pkg-config names the GNOME runtime (or the compiler) provides, so they need
# no module. A dependency() missing from here and from the modules fails.
RUNTIME_PROVIDED = {
    'glib-2.0': 'GNOME runtime',
    'gobject-2.0': 'GNOME runtime',
    'gio-2.0': 'GNOME runtime',
    'gio-unix-2.0': 'GNOME runtime',
    'libsoup-3.0': 'GNOME runtime',
    'json-glib-1.0': 'GNOME runtime',
    'gtk4': 'GNOME runtime',
    'libadwaita-1': 'GNOME runtime',
    'dbus-1': 'freedesktop SDK (only its services directory is read)',
    'systemd': 'optional, only its user unit directory; the unit is cleaned up',
    'threads': 'the compiler',
}

# What the GNOME runtimes that can host the app ship, from the
# elements/sdk/*.bst of gnome-build-meta's gnome-NN branches. GNOME 43 is the
# first with GTK 4.8 and libadwaita 1.2. Add a row when moving the manifest
# to a newer runtime.
RUNTIME_COLUMNS = ('glib', 'gtk4', 'libadwaita-1', 'libsoup-3.0', 'json-glib-1.0')
RUNTIME_VERSIONS = {
    '43': ('2.74', '4.8', '1.2', '3.2', '1.6'),
    '44': ('2.76', '4.10', '1.3', '3.4', '1.6'),
    '45': ('2.78', '4.12', '1.4', '3.4', '1.8'),
    '46': ('2.80', '4.14', '1.5', '3.4', '1.8'),
    '47': ('2.82', '4.16', '1.6', '3.6', '1.10'),
    '48': ('2.84', '4.18', '1.7', '3.6', '1.10'),
    '49': ('2.86', '4.20', '1.8', '3.6', '1.10'),
    '50': ('2.88', '4.22', '1.9', '3.6', '1.10'),
}
GLIB_PACKAGES = ('glib-2.0', 'gobject-2.0', 'gio-2.0', 'gio-unix-2.0')

PACKAGECACHE = 'subprojects/packagecache'
SHA256_RE = re.compile(r'^[0-9a-f]{64}$')
DEPENDENCY_RE = re.compile(r"\bdependency\(\s*'([^']+)'")
VERSIONED_DEPENDENCY_RE = re.compile(
    r"\bdependency\(\s*'([^']+)'\s*,\s*version\s*:\s*(?:'>=\s*([0-9.]+)'|(\w+))")


class CheckFailed(Exception):
    pass


def require(condition, message):
    if not condition:
        raise CheckFailed(message)


def version_tuple(text):
    return tuple(int(part) for part in text.split('.'))


def all_modules(modules):
    for module in modules:
        if isinstance(module, str):
            # A path to a module file: not used by this manifest; the checks
            # below would not see inside it, so refuse it here.
            raise CheckFailed(f'module given as a file ({module}); inline it')
        yield module
        yield from all_modules(module.get('modules', []))


def read_wraps(source_root):
    wraps = {}
    directory = os.path.join(source_root, 'subprojects')
    for name in sorted(os.listdir(directory)):
        if not name.endswith('.wrap'):
            continue
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(os.path.join(directory, name))
        # [provide] may follow; the first section says how to get the source.
        sections = [s for s in parser.sections() if s.startswith('wrap-')]
        require(len(sections) == 1, f'{name}: expected one [wrap-*] section, got {sections}')
        wraps[name[:-len('.wrap')]] = (sections[0], dict(parser[sections[0]]))
    return wraps


def meson_files(source_root):
    """The meson.build files of what the manifest builds: everything but the
    tests (-Dtests=false), build directories and third-party trees."""
    for top, dirs, files in os.walk(source_root):
        rel = os.path.relpath(top, source_root)
        keep = []
        for d in dirs:
            path = os.path.normpath(os.path.join(rel, d))
            if d.startswith('.'):
                continue
            if rel == '.' and (d.startswith(('_build', 'build')) or d == 'tests'):
                continue
            if os.path.dirname(path) == 'subprojects' and path != 'subprojects/packagefiles':
                continue
            keep.append(d)
        dirs[:] = keep
        if 'meson.build' in files:
            yield os.path.join(top, 'meson.build')


class ManifestChecks:
    def __init__(self, args):
        self.args = args
        self.manifest_path = os.path.abspath(args.manifest)
        self.manifest_dir = os.path.dirname(self.manifest_path)
        self.source_root = os.path.abspath(args.source_root)
        self.manifest = None

    # Helpers over the parsed manifest

    def app_id(self):
        return self.manifest.get('id', self.manifest.get('app-id'))

    def project_module(self):
        """The module whose source is this repository."""
        found = []
        for module in all_modules(self.manifest['modules']):
            for source in module.get('sources', []):
                if source.get('type') in ('git', 'dir') and 'url' not in source:
                    path = os.path.normpath(os.path.join(self.manifest_dir, source.get('path', '')))
                    if path == self.source_root:
                        found.append(module)
        require(len(found) == 1,
                f'expected one module built from {self.source_root}, found {len(found)}')
        return found[0]

    def provided_names(self):
        names = set()
        for module in all_modules(self.manifest['modules']):
            names.add(module.get('name'))
            names.update(module.get('x-provides', []))
        return names

    # The checks, in the order they run

    def check_parses(self):
        with open(self.manifest_path, encoding='utf-8') as f:
            self.manifest = json.load(f)
        require(isinstance(self.manifest, dict), 'the manifest is not a JSON object')

    def check_toplevel(self):
        m = self.manifest
        stem = os.path.basename(self.manifest_path).rsplit('.', 1)[0]
        require(self.app_id() == stem,
                f'id {self.app_id()!r} does not match the file name {stem!r}')
        require(m.get('runtime') == 'org.gnome.Platform', f'runtime is {m.get("runtime")!r}')
        require(m.get('sdk') == 'org.gnome.Sdk', f'sdk is {m.get("sdk")!r}')
        require(isinstance(m.get('runtime-version'), str), 'runtime-version must be a string')
        require('branch' not in m, 'a top-level branch pins the app to one branch name')
        command = m.get('command')
        require(isinstance(command, str) and command and '/' not in command,
                f'command must be an executable name in /app/bin, got {command!r}')
        if self.args.app_exe:
            require(command == self.args.app_exe,
                    f'command {command!r} is not the app executable {self.args.app_exe!r}')
        else:
            with open(os.path.join(self.source_root, 'app', 'meson.build'), encoding='utf-8') as f:
                require(re.search(r"\bexecutable\(\s*'%s'" % re.escape(command), f.read()),
                        f'app/meson.build builds no executable {command!r}')
        require(isinstance(m.get('modules'), list) and m['modules'], 'no modules')
        for ext in ('desktop.in', 'metainfo.xml.in'):
            path = os.path.join(self.source_root, 'data', f'{self.app_id()}.{ext}')
            require(os.path.exists(path),
                    f'{path} is missing: its export is named after the app ID')

    def check_runtime_versions(self):
        version = self.manifest['runtime-version']
        require(version in RUNTIME_VERSIONS,
                f'runtime {version} is not in RUNTIME_VERSIONS; add what it ships')
        ships = dict(zip(RUNTIME_COLUMNS, RUNTIME_VERSIONS[version]))
        with open(os.path.join(self.source_root, 'meson.build'), encoding='utf-8') as f:
            root = f.read()
        glib_req = re.search(r"^glib_req\s*=\s*'>=\s*([0-9.]+)'", root, re.M)
        require(glib_req, 'meson.build: glib_req not found')
        checked = 0
        for name, literal, variable in VERSIONED_DEPENDENCY_RE.findall(root):
            if variable:
                require(variable == 'glib_req', f'{name}: unknown version variable {variable}')
                literal = glib_req.group(1)
            key = 'glib' if name in GLIB_PACKAGES else name
            if key not in ships:
                continue
            require(version_tuple(ships[key]) >= version_tuple(literal),
                    f'GNOME {version} ships {key} {ships[key]}, meson.build needs >= {literal}')
            checked += 1
        require(checked >= 7, f'only {checked} versioned runtime dependencies found in meson.build')

    def check_finish_args(self):
        args = self.manifest.get('finish-args', [])
        require(len(args) == len(set(args)), 'duplicate finish-args')
        missing = sorted(set(FINISH_ARGS) - set(args))
        extra = sorted(set(args) - set(FINISH_ARGS))
        require(not missing, f'missing finish-args: {missing}')
        require(not extra, f'finish-args beyond the reviewed list: {extra}')

    def check_bus_name(self):
        bus = self.args.bus_name
        own = [a for a in self.manifest.get('finish-args', []) if a.startswith('--own-name=')]
        if bus.startswith(self.app_id() + '.'):
            # Flatpak's D-Bus proxy always gets --own=<app-id>.*, and
            # build-finish exports activation files under the same prefix.
            require(not own, f'{own}: owning names under the app ID is granted by default')
        else:
            require(f'--own-name={bus}' in own,
                    f'{bus} is outside {self.app_id()}.* and needs --own-name')

    def check_sources_pinned(self):
        for module in all_modules(self.manifest['modules']):
            name = module.get('name')
            require(name, 'a module without a name')
            sources = module.get('sources')
            require(isinstance(sources, list) and sources, f'module {name}: no sources')
            for source in sources:
                kind = source.get('type')
                where = f'module {name}, {kind} source'
                if kind in ('archive', 'file'):
                    require(SHA256_RE.match(source.get('sha256', '')), f'{where}: no sha256')
                    if 'url' in source:
                        require(source['url'].startswith(('https://', 'http://')),
                                f'{where}: url {source["url"]!r}')
                        for mirror in source.get('mirror-urls', []):
                            require(mirror.startswith(('https://', 'http://')),
                                    f'{where}: mirror {mirror!r}')
                    else:
                        path = os.path.join(self.manifest_dir, source.get('path', ''))
                        require(os.path.isfile(path), f'{where}: {path} missing')
                    require('/' not in source.get('dest-filename', ''),
                            f'{where}: dest-filename must be a name; use dest for the folder')
                elif kind == 'git':
                    if 'url' in source:
                        require(source.get('commit'), f'{where}: remote git needs a commit')
                    else:
                        # flatpak-builder 1.2 checks out "master" when no
                        # branch is named, which this repository has not.
                        require(any(k in source for k in ('branch', 'commit', 'tag')),
                                f'{where}: name the branch, tag or commit to build')
                        path = os.path.join(self.manifest_dir, source.get('path', ''))
                        require(os.path.isdir(path), f'{where}: {path} is not a directory')
                elif kind == 'dir':
                    path = os.path.join(self.manifest_dir, source.get('path', ''))
                    require(os.path.isdir(path), f'{where}: {path} is not a directory')
                elif kind in ('patch', 'shell', 'script', 'inline'):
                    pass
                else:
                    raise CheckFailed(f'{where}: unexpected source type')

    def check_project_module(self):
        module = self.project_module()
        require(module.get('buildsystem') == 'meson', 'the project module must use meson')
        opts = module.get('config-opts', [])
        # meson_files() leaves tests/ out because of this option.
        require('-Dtests=false' in opts, 'the project module must pass -Dtests=false')
        require('-Dapp=enabled' in opts, 'the project module must pass -Dapp=enabled')
        require(module is self.manifest['modules'][-1], 'the app module must be built last')

    def check_wraps_provided(self):
        module = self.project_module()
        files = {}
        gits = {}
        for source in module['sources']:
            dest = os.path.normpath(source.get('dest', '.'))
            if source.get('type') == 'file' and dest == PACKAGECACHE:
                filename = source.get('dest-filename') or os.path.basename(
                    source.get('url', source.get('path', '')))
                files[filename] = source
            elif source.get('type') == 'git' and dest.startswith('subprojects/'):
                gits[dest] = source
        wraps = read_wraps(self.source_root)
        require(wraps, 'no subprojects/*.wrap found')
        wanted = set()
        for name, (section, wrap) in wraps.items():
            if section == 'wrap-file':
                for key in ('source', 'patch'):
                    if f'{key}_filename' not in wrap:
                        continue
                    filename = wrap[f'{key}_filename']
                    wanted.add(filename)
                    source = files.get(filename)
                    require(source, f'{name}.wrap: {filename} is not a file source in '
                                    f'{PACKAGECACHE} of module {module["name"]}')
                    require(source.get('sha256') == wrap.get(f'{key}_hash'),
                            f'{name}.wrap: {filename} sha256 {source.get("sha256")} != '
                            f'{key}_hash {wrap.get(key + "_hash")}')
                    require(source.get('url') == wrap.get(f'{key}_url'),
                            f'{name}.wrap: {filename} url differs from {key}_url')
                if 'patch_directory' in wrap:
                    path = os.path.join(self.source_root, 'subprojects', 'packagefiles',
                                        wrap['patch_directory'], 'meson.build')
                    require(os.path.isfile(path), f'{name}.wrap: {path} missing')
            elif section == 'wrap-git':
                dest = os.path.normpath(os.path.join('subprojects', wrap.get('directory', name)))
                source = gits.get(dest)
                require(source, f'{name}.wrap: no git source with dest {dest}')
                require(source.get('url') == wrap.get('url'), f'{name}.wrap: git url differs')
                require(source.get('commit') == wrap.get('revision'),
                        f'{name}.wrap: git commit differs from revision')
            else:
                raise CheckFailed(f'{name}.wrap: [{section}] is not handled by this check')
        stale = sorted(set(files) - wanted)
        require(not stale, f'{PACKAGECACHE} sources no wrap uses: {stale}')

    def check_dependencies_provided(self):
        provided = self.provided_names()
        seen = {}
        for path in meson_files(self.source_root):
            with open(path, encoding='utf-8') as f:
                for dep in DEPENDENCY_RE.findall(f.read()):
                    seen.setdefault(dep, os.path.relpath(path, self.source_root))
        require('glib-2.0' in seen and 'gtk4' in seen,
                f'the dependency scan found too little: {sorted(seen)}')
        missing = [f'{dep} ({where})' for dep, where in sorted(seen.items())
                   if dep not in RUNTIME_PROVIDED and dep not in provided]
        require(not missing, 'needed by the build but neither in the GNOME runtime nor a '
                             f'manifest module: {missing}')

    def check_activation_file(self):
        """Runs the project module's post-install on a staged /app holding
        what data/meson.build installs, then checks the activation file."""
        module = self.project_module()
        template = os.path.join(self.source_root, 'data', f'{self.args.bus_name}.service.in')
        with open(template, encoding='utf-8') as f:
            text = f.read().replace('@bindir@', '/app/bin')
            text = text.replace('@dbus_name@', self.args.bus_name)
        with tempfile.TemporaryDirectory() as tmp:
            dest = os.path.join(tmp, 'app')
            services = os.path.join(dest, 'share', 'dbus-1', 'services')
            os.makedirs(services)
            service = os.path.join(services, f'{self.args.bus_name}.service')
            with open(service, 'w', encoding='utf-8') as f:
                f.write(text)
            env = dict(os.environ, FLATPAK_DEST=dest, FLATPAK_ID=self.app_id())
            for command in module.get('post-install', []):
                result = subprocess.run(['sh', '-c', command], cwd=tmp, env=env,
                                        capture_output=True, text=True)
                require(result.returncode == 0,
                        f'post-install {command!r} failed: {result.stderr.strip()}')
            parser = configparser.ConfigParser(interpolation=None)
            parser.optionxform = str
            parser.read(service)
        entry = parser['D-BUS Service']
        require(entry.get('Name') == self.args.bus_name, f'Name={entry.get("Name")}')
        require(entry.get('Exec') == f'/app/bin/{self.args.daemon_exe}',
                f'Exec={entry.get("Exec")} is not /app/bin/{self.args.daemon_exe}')
        # Flatpak exports the file with Exec rewritten to "flatpak run" but
        # not the systemd unit it names; the host bus would ask systemd for
        # a unit that does not exist.
        require('SystemdService' not in entry,
                f'SystemdService={entry.get("SystemdService")} survives the post-install')
        if os.path.exists(os.path.join(self.source_root, 'data', 'switchyard.service.in')):
            require('/lib/systemd' in module.get('cleanup', []),
                    'the systemd user unit is installed but not cleaned up')

    def run(self):
        checks = [
            ('manifest parses as JSON', self.check_parses),
            ('top-level keys', self.check_toplevel),
            ('runtime ships the versions meson.build requires', self.check_runtime_versions),
            ('finish-args are the reviewed minimum', self.check_finish_args),
            ('service bus name is ownable in the sandbox', self.check_bus_name),
            ('every source is pinned', self.check_sources_pinned),
            ('project module builds with meson, tests off', self.check_project_module),
            ('every subprojects/*.wrap is provided', self.check_wraps_provided),
            ('every dependency() is in the runtime or a module', self.check_dependencies_provided),
            ('activation file after post-install', self.check_activation_file),
        ]
        return run_tap(checks, prerequisites=1)


def run_tap(checks, prerequisites=0):
    """Prints one TAP line per check. When one of the first `prerequisites`
    checks fails, the rest cannot run and are reported as failed."""
    print(f'1..{len(checks)}')
    failed = 0
    blocked_by = None
    for number, (name, func) in enumerate(checks, start=1):
        if blocked_by:
            print(f'not ok {number} - {name} # not run: check {blocked_by} failed')
            continue
        try:
            func()
        except (CheckFailed, OSError, KeyError, TypeError, ValueError,
                configparser.Error) as e:
            failed += 1
            print(f'not ok {number} - {name}')
            for line in str(e).splitlines() or [type(e).__name__]:
                print(f'# {line}')
            if number <= prerequisites:
                blocked_by = number
        else:
            print(f'ok {number} - {name}')
    return 1 if failed else 0


def check_with_flatpak_builder(args):
    """flatpak-builder's own parser: unknown or misspelt properties only
    produce warnings there, which this turns into a failure."""
    def parse():
        result = subprocess.run([args.flatpak_builder, '--show-manifest', args.manifest],
                                capture_output=True, text=True)
        require(result.returncode == 0, f'exit {result.returncode}: {result.stderr.strip()}')
        require(not result.stderr.strip(), result.stderr.strip())
        with open(args.manifest, encoding='utf-8') as f:
            ours = json.load(f)
        theirs = json.loads(result.stdout)
        # Properties flatpak-builder dropped were not understood.
        lost = sorted(set(ours) - set(theirs))
        require(not lost, f'dropped by flatpak-builder: {lost}')
    return run_tap([('flatpak-builder --show-manifest accepts the manifest', parse)])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('manifest')
    parser.add_argument('--source-root')
    parser.add_argument('--bus-name')
    parser.add_argument('--daemon-exe')
    parser.add_argument('--app-exe')
    parser.add_argument('--flatpak-builder')
    args = parser.parse_args()
    if args.flatpak_builder:
        return check_with_flatpak_builder(args)
    for required in ('source_root', 'bus_name', 'daemon_exe'):
        if getattr(args, required) is None:
            parser.error(f'--{required.replace("_", "-")} is required')
    return ManifestChecks(args).run()


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/python3
"""Builds the trimmed physics data of REMAP Studio's synthesizer (resources/physics/) from the data kit.

Usage: tools/physics/build_physics_data.py SHARED_PHYSICS_DIR OUT_DIR
       (e.g. tools/physics/build_physics_data.py ../shared/physics resources/physics)

Every output file is derived from one or more files of the kit (see resources/physics/README.md for the
sources and citations); this script only selects, trims, re-formats and (for the line list) chooses between
sources per line. The outputs are deterministic (gzip without time stamps), so re-running it gives the same
bytes. Needs numpy and h5py (Debian python3-numpy, python3-h5py)."""
import bisect
import collections
import csv
import gzip
import io
import math
import os
import re
import sys

import h5py
import numpy as np

SRC, OUT = sys.argv[1], sys.argv[2]
AIR_MIN, AIR_MAX = 4850.0, 5850.0  # the window of the line data (air A)
TEFF_MAX = 8000.0                  # FGK domain of the shipped atmospheres
NODE_MIN, NODE_MAX, NODE_STEP = 4600.0, 6100.0, 5.0  # vacuum A: wavelength nodes of the derived continuum tables


def src(*parts):
    return os.path.join(SRC, *parts)


def write(name, text, compress=False):
    path = os.path.join(OUT, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = text.encode()
    if compress:
        buf = io.BytesIO()
        with gzip.GzipFile(filename='', mode='wb', fileobj=buf, mtime=0, compresslevel=9) as g:
            g.write(data)
        data = buf.getvalue()
    with open(path, 'wb') as f:
        f.write(data)
    print(f'{name}: {len(data)} bytes')


def opentext(path):
    return gzip.open(path, 'rt') if path.endswith('.gz') else open(path)


# ---------------------------------------------------------------------------------------------------------
# Elements: symbol, standard atomic weight (NIST), ionization energies (Barklem & Collet 2016), solar A(X)
# (Asplund et al. 2009), isotopic fractions (NIST).
symbols, weights, isotopes = {}, {}, collections.defaultdict(dict)
with open(src('partition_ionization', 'nist_isotopes_atomicweights.dat')) as f:
    z = sym = None
    for line in f:
        m = re.match(r'^(\d+)\s+([A-Z][a-z]?)\s+(\d+)\s+(\S+)\s*(\S*)\s*(\S*)', line)
        if m:
            z, sym = int(m.group(1)), m.group(2)
            if sym in ('D', 'T'):
                sym = 'H'
            symbols.setdefault(z, sym)
            mass_number, rest = int(m.group(3)), [m.group(5), m.group(6)]
        else:
            m2 = re.match(r'^\s+(?:[A-Z][a-z]?\s+)?(\d+)\s+(\S+)\s*(\S*)\s*(\S*)', line)
            if not m2 or z is None:
                continue
            mass_number, rest = int(m2.group(1)), [m2.group(3), m2.group(4)]
        comp = rest[0]
        if comp and comp[0].isdigit():
            frac = float(comp.split('(')[0])
            if frac > 0:
                isotopes[z][mass_number] = frac
        if len(rest) > 1 and rest[1] and rest[1][0] in '0123456789[':
            w = rest[1].strip('[]').split('(')[0].split(',')[0]
            try:
                weights.setdefault(z, float(w))
            except ValueError:
                pass
ionization = {}
with open(src('partition_ionization', 'BarklemCollet2016-ionization_energies.dat')) as f:
    for line in f:
        if line.startswith('#') or not line.strip():
            continue
        p = line.split()
        ionization[int(p[0])] = (p[1], float(p[2]), float(p[3]), float(p[4]))
solar = {}
with open(src('abundances', 'asplund_2009_processed.csv')) as f:
    for row in csv.DictReader(f):
        solar[int(row['atomic_number'])] = float(row['Value'])
for z in range(1, 93):  # elements without a standard weight (Tc, Pm, Po..Ac, Pa): the most stable isotope
    weights.setdefault(z, {43: 98.0, 61: 145.0, 84: 209.0, 85: 210.0, 86: 222.0, 87: 223.0, 88: 226.0,
                           89: 227.0, 91: 231.04}.get(z, 0.0))
lines = ['# REMAP Studio element table (built by tools/physics/build_physics_data.py)',
         '# Z symbol atomic_weight(u, NIST) IE1 IE2 IE3 (eV, Barklem & Collet 2016; -1 = n/a) '
         'A_sun (Asplund et al. 2009; -99 = none)']
for z in range(1, 93):
    sym, e1, e2, e3 = ionization[z]
    lines.append(f'{z:3d} {sym:2s} {weights[z]:10.5f} {e1:9.4f} {e2:9.3f} {e3:9.3f} {solar.get(z, -99.0):6.2f}')
write('elements.dat', '\n'.join(lines) + '\n')

# ---------------------------------------------------------------------------------------------------------
# Atmospheres: the ATLAS9 ODFNEW grids, models with Teff <= TEFF_MAX, original Castelli/Kurucz format.
for name in sorted(os.listdir(src('atmospheres', 'atlas9_castelli_odfnew'))):
    text = opentext(src('atmospheres', 'atlas9_castelli_odfnew', name)).read()
    models = re.split(r'(?=^TEFF )', text, flags=re.M)
    keep = [m for m in models if m.startswith('TEFF') and float(m.split()[1]) <= TEFF_MAX]
    write(os.path.join('atmospheres', name.split('_')[0] + '.dat.gz'), ''.join(keep), compress=True)
with open(src('atmospheres', 'atlas9_solar', 'ap00t5777g44377k1odfnew.dat')) as f:
    write(os.path.join('atmospheres', 'ap00t5777g44377k1odfnew.dat'), f.read())
MARCS = {'sun.mod': 'sun.mod',
         '4286g1.66m0.73z-0.52t2.0_C12C13_7_ArcturusDR15_17072018.mod': 'arcturus_dr15_4286g1.66m0.73z-0.52.mod',
         's5000_g+2.0_m1.0_t02_st_z+0.00_a+0.00_c+0.00_n+0.00_o+0.00_r+0.00_s+0.00.mod': 's5000_g+2.0_m1.0_t02_st_z+0.00.mod',
         's6000_g+1.0_m0.5_t05_st_z+0.00_a+0.00_c+0.00_n+0.00_o+0.00_r+0.00_s+0.00.mod': 's6000_g+1.0_m0.5_t05_st_z+0.00.mod'}
for name, outname in MARCS.items():
    with open(src('atmospheres', 'marcs_samples', name)) as f:
        write(os.path.join('atmospheres', 'marcs', outname), f.read())

# ---------------------------------------------------------------------------------------------------------
# Equation of state: Barklem & Collet (2016) tables. Atoms: all species. Molecules: those the synthesizer's
# equilibrium uses.
MOLECULES = ['H2', 'CH', 'NH', 'OH', 'C2', 'CN', 'CO', 'N2', 'NO', 'O2', 'MgH', 'AlH', 'SiH', 'CaH', 'TiH',
             'FeH', 'SiO', 'TiO', 'VO', 'ZrO', 'MgO', 'AlO', 'CaO', 'SiC', 'SiN', 'CS', 'SO', 'H2+']
shutil_copy = lambda a, b, c=False: write(b, opentext(a).read(), c)
shutil_copy(src('partition_ionization', 'BarklemCollet2016-atomic_partition.dat'),
            os.path.join('eos', 'bc2016_atomic_partition.dat.gz'), True)
for kind in ('molecular_partition', 'equilibrium_constants'):
    out = []
    with open(src('partition_ionization', f'BarklemCollet2016-{kind}.dat')) as f:
        for line in f:
            if line.startswith('#') or not line.strip() or line.split()[0] in MOLECULES:
                out.append(line.rstrip('\n'))
    missing = set(MOLECULES) - {l.split()[0] for l in out if not l.startswith('#')}
    assert not missing, missing
    write(os.path.join('eos', f'bc2016_{kind}.dat'), '\n'.join(out) + '\n')

# ---------------------------------------------------------------------------------------------------------
# Continuous opacity.
nodes = np.arange(NODE_MIN, NODE_MAX + 0.5 * NODE_STEP, NODE_STEP)  # vacuum A
EV_A = 12398.41984
# H- bound-free (McLaughlin et al. 2017), photon energies 1.4-4.0 eV.
out = []
with open(src('continuum_opacity', 'McLaughlin2017Hminusbf.dat')) as f:
    for line in f:
        if line.startswith('#'):
            out.append(line.rstrip())
            continue
        e, s = map(float, line.split())
        if 1.4 <= e <= 4.0:
            out.append(f'{e:.6f} {s:.6e}')
out.insert(4, '# trimmed by REMAP Studio to photon energies 1.4-4.0 eV (3100-8860 A)')
write(os.path.join('continuum', 'hminus_bf_mclaughlin2017.dat'), '\n'.join(out) + '\n')
for name, outname in (('h_minus_ff_B1987.dat', 'hminus_ff_bell1987.dat'), ('h2_plus_bf_S1994.dat', 'h2plus_bf_stancil1994.dat'),
                      ('h_minus_bf_W1979.dat', 'hminus_bf_wishart1979.dat')):
    shutil_copy(src('continuum_opacity', name), os.path.join('continuum', outname))
text = open(src('continuum_opacity', 'vanHoof2014-nr-gauntff.dat')).read()
text = text.replace('#  Peter A.M. van Hoof\n', '#  Peter A.M. van Hoof\n#\n#  ALTERED VERSION: unchanged values, re-compressed (gzip) by REMAP Studio.\n', 1)
write(os.path.join('continuum', 'gauntff_vanhoof2014.dat.gz'), text, True)
# H I bound-free (Nahar 2021), n = 3..8, cross-sections summed over the 2n^2 states of level n (Mb), at nodes.
with h5py.File(src('continuum_opacity', 'individual_H_cross-sections.h5')) as h:
    n_levels, energies, sigmas = h['n'][:], h['E'][:], h['sigma'][:]
lines = ['# H I photoionization cross-sections of Nahar (2021, Atoms 9, 73) for levels n = 3..8, in Mb, SUMMED over',
         '# the 2n^2 states of the level (the n = 1 threshold value of the original is 12.6 Mb = 2 x 6.3 Mb); opacity',
         '# per H I atom = sigma_n exp(-E_n/kT) / U_H. Interpolated (linearly in photon energy) by REMAP Studio onto the',
         '# vacuum wavelength nodes of the first data line. Rows: n, then sigma at each node.',
         ' '.join(f'{x:.1f}' for x in nodes)]
for i, n in enumerate(n_levels):
    if 3 <= n <= 8:
        e, s = energies[i], sigmas[i]
        o = np.argsort(e)
        ev = EV_A / nodes
        val = np.where(ev >= e.min(), np.interp(ev, e[o], s[o]), 0.0)
        lines.append(f'{n} ' + ' '.join(f'{v:.5e}' for v in val))
write(os.path.join('continuum', 'hI_bf_nahar2021_nodes.dat'), '\n'.join(lines) + '\n')


def topbase(path, ip_ev):
    """States (g, excitation eV, sigma at nodes in Mb) of a TOPbase photoionization file whose thresholds lie
    below the most energetic node photon; cross-sections averaged over each node's +-2.5 A bin (the resonance
    positions of the Opacity Project are theoretical)."""
    rows = opentext(path).read().split('\n')
    states, i = [], 1
    node_e = EV_A / nodes
    while i < len(rows):
        p = rows[i].split()
        if len(p) == 4 and all(x.lstrip('-').isdigit() for x in p):
            mult, L = int(p[0]), int(p[1])
            if mult == 0:
                break
            count = int(rows[i + 1].split()[1])
            data = np.array([[float(x) for x in r.split()] for r in rows[i + 3:i + 3 + count]])
            e_ry, s = data[:, 0], data[:, 1]
            head = float(rows[i + 2].split()[0])
            binding = (head if head > 0 else e_ry[0]) * 13.605693
            i += 3 + count
            if binding > EV_A / NODE_MIN:
                continue
            e_ev = e_ry * 13.605693
            vals = []
            for lam in nodes:
                lo, hi = EV_A / (lam + 2.5), EV_A / (lam - 2.5)
                grid = np.linspace(lo, hi, 41)
                g = np.where(grid >= binding, np.interp(grid, e_ev, s, left=0.0, right=0.0), 0.0)
                vals.append(g.mean())
            if max(vals) > 0:
                states.append((mult * (2 * L + 1), ip_ev - binding, vals))
        else:
            i += 1
    return states


lines = ['# Metal bound-free cross-sections from TOPbase (Opacity Project; Cunto et al. 1993) for the LS states of',
         '# Na I, Mg I, Al I, Ca I whose thresholds lie redward of the first node, averaged by REMAP Studio over +-2.5 A',
         '# around each vacuum wavelength node (first data line). Per element: "element Z n_states"; per state:',
         '# g = (2S+1)(2L+1), excitation energy (eV) = IE1 (Barklem & Collet) - TOPbase binding energy, sigma (Mb) at nodes.',
         ' '.join(f'{x:.1f}' for x in nodes)]
for fname, z in (('p11.11.dat.gz', 11), ('p12.12.dat.gz', 12), ('p13.13.dat.gz', 13), ('p20.20.dat.gz', 20)):
    st = topbase(src('continuum_opacity', 'topbase_photoionization', fname), ionization[z][1])
    lines.append(f'element {z} {len(st)}')
    for g, e, vals in st:
        lines.append(f'{g} {e:.4f} ' + ' '.join(f'{v:.4e}' for v in vals))
write(os.path.join('continuum', 'metal_bf_topbase_nodes.dat.gz'), '\n'.join(lines) + '\n', True)

# H beta Stark profiles (Stehle & Hutcheson 1999 via Korg).
with h5py.File(src('continuum_opacity', 'Stehle-Hutchson-hydrogen-profiles.h5')) as h:
    g = h['2_4']
    x, ne, T, prof = g['delta_nu_over_F0'][:], g['electron_number_densities'][:], g['temps'][:], g['profile'][:]
    lam0 = g['lambda0'][:]
    attrs = dict(g.attrs)
lines = ['# H beta (n = 2 -> 4) Stark + thermal Doppler profiles of Stehle & Hutcheson (1999, A&AS 140, 93), as repackaged',
         '# by Korg.jl (data/Stehle-Hutchson-hydrogen-profiles.h5, group 2_4), written as text by REMAP Studio.',
         f'# log_gf {attrs["log_gf"]:.4f}; lambda0 (vacuum A) {lam0.max():.2f}; profile per Hz at |dnu|/F0,',
         '# F0 = 1.25e-9 n_e^(2/3) (Holtsmark field); zero entries: no profile computed at that (n_e, T).',
         'x ' + ' '.join(f'{v:.6e}' for v in x), 'ne ' + ' '.join(f'{v:.4e}' for v in ne),
         'T ' + ' '.join(f'{v:.1f}' for v in T)]
for j in range(len(ne)):
    for k in range(len(T)):
        lines.append(f'{j} {k} ' + ' '.join(f'{v:.4e}' for v in prof[:, j, k]))
write(os.path.join('continuum', 'hbeta_stehle1999.dat.gz'), '\n'.join(lines) + '\n', True)


# ---------------------------------------------------------------------------------------------------------
# Line list: one curated list, chosen per line (docs/synthesizer.md "Line data").
#   1. linemake laboratory lines (a reference tag; hyperfine/isotope components summed as one transition for
#      the comparisons, solar isotopic fractions folded into log gf) are kept as they are;
#   2. otherwise the Kirby/Escala VALD+NIST line with astrophysical (Sun + Arcturus) log gf, where one matches
#      (same species, |dlambda| <= 0.03 A, |dEP| <= 0.05 eV); a log gf of -9.99 there (a line removed by its
#      authors) removes the line;
#   3. where Kirby and Kurucz disagree by more than DISAGREE dex, GALAH (an independent compilation; VALD is
#      not: Kirby's list derives from it) decides: the value closest to it; without it, the lower value (a
#      spurious strong line is the worse error); a Kurucz line that no other list has keeps its value unless
#      VALD/GALAH differ by > 1 dex, and is dropped when it would be a clearly visible solar line (no list
#      that was checked against the Sun confirms it: e.g. the Si I 5.6 eV lines at 5258.84 and 5488.98 A);
#   4. damping: ABO (Barklem et al. 2000, MOOG's Barklem.dat) > GALAH DR3 (ABO or log gamma6) > VALD log
#      gamma6 > Unsold (computed by the synthesizer); radiative: Barklem.dat > GALAH > classical; Stark: GALAH
#      > the synthesizer's approximation;
#   5. (below) solar astrophysical log gf of unblended lines where no laboratory value exists.
SYM = {z: ionization[z][0] for z in ionization}
SYMZ = {v: k for k, v in SYM.items()}


def iso_fraction(z, mass):
    return isotopes[z].get(mass, 1.0 if len(isotopes[z]) <= 1 else 0.0)


def parse_species(code):
    """MOOG species code -> (Z, ion stage 1/2/3, isotope mass or 0) for atoms."""
    whole, _, frac = code.partition('.')
    ion = int(frac[0]) + 1 if frac else 1
    mass = int(frac[1:]) if len(frac) > 1 and int(frac[1:] or 0) > 0 else 0
    return int(whole), ion, mass


def read_moog(path, atoms_only=True):
    rows = []
    with opentext(path) as f:
        next(f)
        for line in f:
            if not line.strip():
                continue
            try:
                wl, ep, gf = float(line[0:10]), float(line[20:30]), float(line[30:40])
            except ValueError:
                continue
            code = line[10:20].strip()
            if atoms_only and float(code) >= 100:
                continue
            damp = line[40:50].strip()
            tag = line[70:].strip() if len(line) > 70 else ''
            rows.append(dict(wl=wl, code=code, ep=ep, gf=gf, damp=float(damp) if damp else 0.0, tag=tag))
    return rows


class Index:
    """Lines per (Z, ion) sorted by wavelength, for matching."""

    def __init__(self, rows, key=lambda r: parse_species(r['code'])[:2]):
        self.d = collections.defaultdict(list)
        for r in rows:
            self.d[key(r)].append(r)
        for k in self.d:
            self.d[k].sort(key=lambda r: r['wl'])
        self.w = {k: [r['wl'] for r in v] for k, v in self.d.items()}

    def near(self, k, lo, hi, ep=None, eptol=0.05):
        lst, w = self.d.get(k, []), self.w.get(k, [])
        i = bisect.bisect_left(w, lo)
        out = []
        while i < len(lst) and lst[i]['wl'] <= hi:
            if ep is None or abs(lst[i]['ep'] - ep) <= eptol:
                out.append(lst[i])
            i += 1
        return out

    def closest(self, k, wl, tol, ep=None, eptol=0.05):
        c = self.near(k, wl - tol, wl + tol, ep, eptol)
        return min(c, key=lambda r: abs(r['wl'] - wl)) if c else None


LL = src('linelists')
linemake = read_moog(os.path.join(LL, 'atomic', 'linemake_atoms_4850-5850.moog'))
kirby = [r for r in read_moog(os.path.join(LL, 'atomic', 'kirby_escala_valdnist_4850-5850.moog.gz'))
         if AIR_MIN <= r['wl'] <= AIR_MAX]
vald = read_moog(os.path.join(LL, 'atomic', 'vald2015_Fe_4850-5850.moog'))
galah = []
with open(os.path.join(LL, 'atomic', 'galah_dr3_atoms_4850-5850.csv')) as f:
    for row in csv.DictReader(l for l in f if not l.startswith('#')):
        galah.append(dict(wl=float(row['wl_air_A']), z=int(row['Z1']), ion=int(row['ion']), gf=float(row['log_gf']),
                          ep=float(row['E_lower_eV']), rad=float(row['log_gamma_rad']),
                          stark=float(row['log_gamma_stark']), vdw=float(row['vdW'])))
barklem = []
with open(os.path.join(LL, 'atomic', 'moog_Barklem_ABO_damping.dat')) as f:
    for line in f:
        p = line.split()
        if len(p) < 4:
            continue
        wl = float(p[0])
        if AIR_MIN - 1 <= wl <= AIR_MAX + 1:
            z, ion, _ = parse_species(p[1])
            barklem.append(dict(wl=wl, z=z, ion=ion, lg6=float(p[2]), alpha=float(p[3]),
                                rad=float(p[4]) if len(p) > 4 else 0.0, ep=0.0))
KI = Index(kirby)
VA = Index(vald)
GA = Index(galah, key=lambda r: (r['z'], r['ion']))
BA = Index(barklem, key=lambda r: (r['z'], r['ion']))

# 1. linemake transitions (hfs / isotope components grouped).
groups = []
for r in sorted(linemake, key=lambda r: (parse_species(r['code'])[:2], r['ep'], r['tag'], r['wl'])):
    z, ion, mass = parse_species(r['code'])
    r['z'], r['ion'], r['mass'] = z, ion, mass
    r['gf_iso'] = r['gf'] + (math.log10(iso_fraction(z, mass)) if mass else 0.0)
    g = groups[-1] if groups else None
    if (mass and g and g[0]['mass'] and (g[0]['z'], g[0]['ion'], g[0]['tag']) == (z, ion, r['tag'])
            and abs(g[0]['ep'] - r['ep']) < 0.005 and r['wl'] - g[-1]['wl'] < 0.3):
        g.append(r)
    else:
        groups.append([r])
used_kirby = set()
final = []  # dicts: z, ion, wl, ep, gf, src, and damping later
stats = collections.Counter()


DISAGREE = 0.5        # dex: two sources disagree (typical laboratory/theoretical gf errors are 0.1-0.3 dex)
DROP_STRONG_U = -9.0  # a Kurucz-only line (no laboratory, Kirby, VALD or GALAH counterpart) above this solar
                      # strength index (a line of a few per cent depth) is taken as spurious and dropped


def solar_strength(z, ion, ep, gf, wl):
    """A rough line-strength index in the solar photosphere (theta = 0.95, P_e = 1 dyn/cm^2): log of
    gf * N(species)/N(H) * 10^(-theta EP) * lambda; -9 is a line of a few per cent depth."""
    theta = 0.95
    ie = ionization[z][1]
    log_phi = 2.5 * math.log10(5040 / theta) - theta * ie - 0.1762 + 0.3
    f1 = 1 / (1 + 10 ** log_phi)
    frac = f1 if ion == 1 else 1 - f1
    return gf + solar.get(z, -20) - 12 + math.log10(frac + 1e-30) - theta * ep + math.log10(wl)


def third_source(z, ion, wl, ep):
    v = VA.closest((z, ion), wl, 0.03, ep) if z == 26 else None
    if v:
        return v['gf'], 'V'
    g = GA.closest((z, ion), wl, 0.03, ep)
    if g:
        return g['gf'], 'G'
    return None, ''


for g in groups:
    z, ion, ep = g[0]['z'], g[0]['ion'], g[0]['ep']
    lo, hi = min(r['wl'] for r in g), max(r['wl'] for r in g)
    total = math.log10(sum(10 ** r['gf_iso'] for r in g))
    centre = sum(r['wl'] * 10 ** r['gf_iso'] for r in g) / sum(10 ** r['gf_iso'] for r in g)
    km = KI.near((z, ion), lo - 0.03, hi + 0.03, ep)
    for k in km:
        used_kirby.add(id(k))
    if g[0]['tag'] and g[0]['tag'] != 'KURHFS':
        for r in g:
            final.append(dict(z=z, ion=ion, wl=r['wl'], ep=r['ep'], gf=r['gf_iso'], src='L:' + r['tag'], span=(lo, hi)))
        stats['lab'] += 1
        continue
    k = min(km, key=lambda r: abs(r['wl'] - centre)) if km else None
    third, tsrc = third_source(z, ion, centre, ep)
    if k is not None and k['gf'] < -9:
        stats['removed by Kirby'] += 1
        continue
    if k is not None:
        choice, s = k['gf'], 'K'
        if abs(k['gf'] - total) > DISAGREE:
            stats['K/Kurucz disagree'] += 1
            if third is not None and tsrc == 'G':
                choice, s = min(((k['gf'], 'K'), (total, 'U')), key=lambda c: abs(c[0] - third))
                s += '>' + tsrc
            else:
                choice, s = min((k['gf'], 'K'), (total, 'U'))
                s += '<'
    else:
        choice, s = total, 'U'
        if third is not None and abs(third - total) > 1.0:
            choice, s = third, tsrc
        elif third is None and DROP_STRONG_U is not None and solar_strength(z, ion, ep, total, centre) > DROP_STRONG_U:
            stats['Kurucz-only strong, dropped'] += 1
            continue
    shift = choice - total
    if len(g) == 1 or s.startswith('U'):
        for r in g:
            final.append(dict(z=z, ion=ion, wl=r['wl'], ep=r['ep'], gf=r['gf_iso'] + shift, src=s, span=(lo, hi)))
    else:  # hfs components scaled to the chosen total
        for r in g:
            final.append(dict(z=z, ion=ion, wl=r['wl'], ep=r['ep'], gf=r['gf_iso'] + shift, src=s + 'h', span=(lo, hi)))
    stats[s[0]] += 1
for k in kirby:
    if id(k) in used_kirby or k['gf'] < -9:
        continue
    z, ion, _ = parse_species(k['code'])
    third, tsrc = third_source(z, ion, k['wl'], k['ep'])
    gf, s = k['gf'], 'K'
    if third is not None and abs(third - gf) > 1.0:
        gf, s = min(gf, third), ('K<' if gf < third else tsrc)
    final.append(dict(z=z, ion=ion, wl=k['wl'], ep=k['ep'], gf=gf, src=s, span=(k['wl'], k['wl'])))
    stats['Kirby only'] += 1
print('line choices:', dict(stats))

# 5. Solar astrophysical log gf of the FASMA line lists (Sousa et al. 2008, Fe; Tsantaki et al. 2013, Fe;
#    Neves et al. 2009, other elements), derived from the solar EWs of unblended lines with MOOG and a Kurucz
#    solar model, replace the Kirby/Kurucz value of the same line where no laboratory value exists (species
#    without strong hyperfine structure only: their single-line fits do not carry over to our hfs components).
#    Their abundance scale is put on ours (Asplund 2009): A(Fe) 7.47 for the Fe lists, Anders & Grevesse (1989)
#    for Neves et al.
AG89 = {11: 6.33, 12: 7.58, 13: 6.47, 14: 7.55, 20: 6.36, 22: 4.99, 24: 5.67, 28: 6.25, 26: 7.47}
FINAL = Index(final, key=lambda r: (r['z'], r['ion']))
solar_lines = 0
for name in ('FASMA_Sousa2007_opt_kurucz.lst', 'FASMA_Tsantaki2013_cool_opt.lst', 'FASMA_Neves2009_opt_kurucz.lst'):
    with open(os.path.join(LL, 'solar_ew', name)) as f:
        for line in f.readlines()[2:]:
            p = line.split()
            if len(p) < 6:
                continue
            wl, num, ep, gf = float(p[0]), p[1], float(p[2]), float(p[3])
            z, ion, _ = parse_species(num if '.' in num else num + '.0')
            if not (AIR_MIN <= wl <= AIR_MAX) or z not in AG89:
                continue
            near = FINAL.near((z, ion), wl - 0.02, wl + 0.02, ep, 0.06)
            if len(near) != 1 or near[0]['src'].startswith('L:'):
                continue
            near[0]['gf'] = gf + (7.47 if name != 'FASMA_Neves2009_opt_kurucz.lst' else AG89[z]) - solar[z] \
                if z == 26 else gf + AG89[z] - solar[z]
            near[0]['src'] = 'S'
            solar_lines += 1
print('solar astrophysical log gf (FASMA lists):', solar_lines)


def abo_log_gamma(packed, z):
    """log10 gamma6 (FWHM rad/s per H atom cm^-3 at 1e4 K) and alpha from an ABO sigma.alpha value (sigma in
    bohr^2): gamma = (4/pi)^(alpha/2) Gamma((4-alpha)/2) v0 sigma (vbar/v0)^(1-alpha) (Anstee & O'Mara 1995),
    v0 = 1e6 cm/s, vbar the mean relative speed at 1e4 K. Factor 2: the cross-section gives the half width."""
    sigma, alpha = int(packed), packed - int(packed)
    mu = 1.008 * weights[z] / (1.008 + weights[z]) * 1.66053907e-24
    vbar = math.sqrt(8 * 1.380649e-16 * 1e4 / (math.pi * mu))
    v0 = 1e6
    g = (4 / math.pi) ** (alpha / 2) * math.gamma((4 - alpha) / 2) * v0 * sigma * 2.80028520539e-17 * (vbar / v0) ** (1 - alpha)
    return math.log10(2 * g), alpha


for l in final:
    z, ion, wl = l['z'], l['ion'], l['wl']
    lo, hi = l['span']
    tol = 0.015 + (hi - lo)
    l['rad'] = l['stark'] = l['vdw'] = 0.0
    l['alpha'] = 0.0
    b = BA.closest((z, ion), 0.5 * (lo + hi), tol)
    ga = GA.closest((z, ion), 0.5 * (lo + hi), tol, l['ep'])
    va = VA.closest((z, ion), 0.5 * (lo + hi), tol, l['ep']) if z == 26 else None
    damp = ''
    if b:
        l['vdw'], l['alpha'], damp = b['lg6'], b['alpha'], 'b'
        if b['rad'] > 1e5:
            l['rad'] = math.log10(b['rad'])
    if ga:
        if not damp and ga['vdw'] != 0:
            if ga['vdw'] >= 20:
                l['vdw'], l['alpha'] = abo_log_gamma(ga['vdw'], z)
            else:
                l['vdw'], l['alpha'] = ga['vdw'], 0.0
            damp = 'g'
        if l['rad'] == 0 and ga['rad'] > 0:
            l['rad'] = ga['rad']
        if ga['stark'] < 0:
            l['stark'] = ga['stark']
    if va and not damp and va['damp'] < 0:
        l['vdw'], damp = va['damp'], 'v'
    l['src'] += ('/' + damp) if damp else ''
final.sort(key=lambda l: (l['wl'], l['z'], l['ion']))
STAGE = {1: '1', 2: '2', 3: '3'}
out = ['# REMAP Studio curated atomic line list, 4850-5850 A (air), built by tools/physics/build_physics_data.py from',
       '# linemake (Placco et al. 2021; laboratory data per species, Kurucz otherwise), the Kirby/Escala VALD+NIST list',
       '# (astrophysical log gf), VALD Fe (Ryabchikova et al. 2015), GALAH DR3 (Buder et al. 2021) and Barklem et al.',
       '# (2000) ABO damping: see resources/physics/README.md. Columns: element, ion stage, wavelength (A), lower level',
       '# excitation (eV), log gf (solar isotopic fraction included), log gamma_rad (rad/s), log gamma_Stark (per electron',
       '# at 1e4 K), log gamma_vdW (per H atom at 1e4 K), alpha (ABO velocity exponent); 0 = computed by the synthesizer.',
       '# Comment: source of log gf (L:tag laboratory via linemake, K Kirby/Escala, U Kurucz via linemake, V VALD, G GALAH;',
       '# > decided by the third source, < the lower of two, h hyperfine components) / damping (b ABO, g GALAH, v VALD).',
       'medium: air']
for l in final:
    if not (AIR_MIN <= l['wl'] <= AIR_MAX) or l['ion'] > 2 or l['z'] == 1 or l['gf'] < -10:  # H beta: own profile
        continue
    d = (l['rad'], l['stark'], l['vdw'], l['alpha'])
    tail = ' ' + ' '.join(f'{v:.3f}' for v in d) if any(d) else ''
    out.append(f"{SYM[l['z']]} {l['ion']} {l['wl']:.3f} {l['ep']:.3f} {l['gf']:.3f}{tail} #{l['src']}")
write(os.path.join('lines', 'atoms.lines.gz'), '\n'.join(out) + '\n', True)
print('atomic lines:', len(out) - 9)

# Molecules: linemake CH (Masseron et al. 2014) and CN (Sneden et al. 2014), ExoMol MgH (Owens et al. 2022),
# C2 Swan (Ram et al. 2014 via linemake; GALAH DR3 C2 where linemake's partial files have none), and TiO, ZrO,
# VO, SiH, CaH, OH of GALAH DR3 (4850-5000 and 5600-5850 A only). Isotopic fractions (NIST) folded into log gf.
MOLNAME = {106: ('CH', 1, 6), 607: ('CN', 6, 7), 112: ('MgH', 1, 12), 606: ('C2', 6, 6)}
mol = []
for r in read_moog(os.path.join(LL, 'molecular', 'linemake_CH_MgH_CN_4850-5850.moog.gz'), atoms_only=False) + \
        read_moog(os.path.join(LL, 'molecular', 'linemake_C2_swan_partial_4850-5850.moog.gz'), atoms_only=False):
    whole, frac = r['code'].split('.')
    whole = int(whole)
    if whole not in MOLNAME or whole == 112:
        continue
    name, za, zb = MOLNAME[whole]
    ma, mb = int(frac[1:3]), int(frac[3:5])
    f = iso_fraction(za, ma) * iso_fraction(zb, mb)
    mol.append((r['wl'], name, r['ep'], r['gf'] + math.log10(f), f'{ma}{SYM[za]}{mb}{SYM[zb]}'))
c2_windows = [(4878, 4888), (4895, 4905), (4919, 4955), (5150, 5180), (5190, 5225), (5234, 5264), (5275, 5330),
              (5471, 5481), (5570, 5600), (5620, 5650), (5782, 5812), (5838, 5850)]
with opentext(os.path.join(LL, 'molecular', 'mgh_exomol_kurucz_format_485-585nm.asc.gz')) as f:
    for line in f:
        wl, gf, elow = float(line[0:10]) * 10, float(line[10:17]), abs(float(line[22:32]))
        mass = int(line.split()[-2])
        gf += math.log10(iso_fraction(12, mass) * iso_fraction(1, 1))
        if gf > -5.5 and AIR_MIN <= wl <= AIR_MAX:
            mol.append((wl, 'MgH', elow / 8065.544005, gf, f'{mass}MgH'))
rows = [l for l in opentext(os.path.join(LL, 'molecular', 'galah_dr3_molecules_4850-5850.csv.gz')) if not l.startswith('#')]
for row in csv.DictReader(rows):
    sp = row['species']
    wl = float(row['wl_air_A'])
    if sp in ('TiO', 'ZrO', 'VO', 'SiH', 'CaH', 'OH') or (sp == 'C2' and not any(a <= wl <= b for a, b in c2_windows)):
        mol.append((wl, sp, float(row['E_lower_eV']), float(row['log_gf']), 'GALAH'))
mol.sort()
out = ['# REMAP Studio molecular line list, 4850-5850 A (air), built by tools/physics/build_physics_data.py: CH (Masseron',
       '# et al. 2014) and CN (Sneden et al. 2014) via linemake, MgH (ExoMol, Owens et al. 2022; log gf > -5.5), C2 Swan',
       '# (Ram et al. 2014 via linemake, partial; GALAH DR3 elsewhere), TiO, ZrO, VO, SiH, CaH, OH from GALAH DR3',
       '# (Buder et al. 2021; 4850-5000 and 5600-5850 A only). log gf includes the isotopic fraction (NIST).',
       '# Columns: molecule, 1, wavelength (A), lower level energy (eV), log gf. Comment: isotopologue.',
       'medium: air']
mol = [m for m in mol if m[3] >= -10 and AIR_MIN <= m[0] <= AIR_MAX]
for wl, name, ep, gf, iso in mol:
    out.append(f'{name} 1 {wl:.4f} {ep:.4f} {gf:.3f} #{iso}')
write(os.path.join('lines', 'molecules.lines.gz'), '\n'.join(out) + '\n', True)
print('molecular lines:', len(mol), collections.Counter(m[1] for m in mol))

# Observed-physics extra lines: weak VALD Fe I / Fe II lines (mostly predicted, high-excitation; solar strength index
# below DROP_STRONG_U) that the curated atomic list does not carry (no curated line of the species within 0.03 A and
# 0.05 eV). Only the "observed"
# physics of the demo survey uses them (docs/synthesizer.md, the synthetic-to-observed gap).
FI = Index([dict(wl=l['wl'], ep=l['ep'], code='%d.%d' % (l['z'], l['ion'] - 1)) for l in final])
out = ['# REMAP Studio "observed physics" extra lines: weak VALD3 Fe I/Fe II lines in 4850-5850 A (air) that the',
       '# curated atomic list lacks (Ryabchikova et al. 2015; Kurucz predicted levels). Columns as in atoms.lines.gz.',
       'medium: air']
extra = 0
for v in vald:
    z, ion, _ = parse_species(v['code'])
    if ion > 2 or not (AIR_MIN <= v['wl'] <= AIR_MAX) or v['gf'] < -8:
        continue
    if FI.closest((z, ion), v['wl'], 0.03, v['ep']):
        continue
    if solar_strength(z, ion, v['ep'], v['gf'], v['wl']) > DROP_STRONG_U:  # weak lines only (a few % depth at most)
        continue
    tail = f" 0.000 0.000 {v['damp']:.3f}" if v['damp'] < 0 else ''
    out.append(f"Fe {ion} {v['wl']:.4f} {v['ep']:.4f} {v['gf']:.3f}{tail} #V")
    extra += 1
write(os.path.join('lines', 'observed_extra.lines.gz'), '\n'.join(out) + '\n', True)
print('observed extra lines:', extra)

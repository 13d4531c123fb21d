"""The PyTorch peer of RecLab's benchmark rows (docs/benchmarks.md, issue 9): the same work written the idiomatic
PyTorch way, one intra-op thread. Run it through `npm run bench:peers` (bench/peers.mjs), which gives it Debian's
OpenBLAS and jemalloc (bench/peers/setup.sh) and interleaves it with RecLab's rows.

  /usr/bin/python3 bench/peers/torch_bench.py --rows ssm,ccl,bpr,eval [--data ../shared/data/yelp2018] [--steps 20]

Prints one line per row:  ROW <name> <median wall> <unit> cpu <median CPU time> <unit>  (the same format as
bench/engine.mjs --rows; CPU time is the process's, less sensitive than wall time to other jobs on a shared machine).
  ssm   one step, 2048 rows x 1024 shared negatives, cosine, user dropout 0.1, tau 0.1, L2 1e-3/B, lazy Adam
        (sparse embeddings + SparseAdam: only the batch rows move, as RecLab's default)
  ccl   one step, 512 rows x 800 shared negatives, cosine, dropout 0.1, CCL m 0.9 w 150, dense Adam (torch.optim.Adam)
  bpr   one MF-BPR epoch on the Yelp2018 train split (or a random one of its shape), batch 2048, one uniform negative
        rejecting training items, L2 1e-4/B on the batch rows, lazy Adam
  eval  one full-ranking evaluation, K = 20, training items masked, recall@20 and ndcg@20
  perrow  one step of the Adap-tau reference's layout: 2048 rows x 1024 negatives of their own (a [B, K, D] gather),
        cosine, dropout 0.1, a temperature per row, the positive's 1/tau0 8.6, L2 1e-3/B, lazy Adam (not a row of
        issue 9's table: `--rows perrow`)
"""
import argparse
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
N_USERS, N_ITEMS, D = 31668, 38048, 64


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


def tables(sparse, std=0.1):
    g = torch.Generator().manual_seed(1)
    u = torch.nn.Embedding(N_USERS, D, sparse=sparse)
    i = torch.nn.Embedding(N_ITEMS, D, sparse=sparse)
    with torch.no_grad():
        u.weight.normal_(0, std, generator=g)
        i.weight.normal_(0, std, generator=g)
    return u, i


def timed_steps(steps, draw, step):
    """Median wall and CPU time (ms) of step(*draw()) over `steps` steps after 3 untimed ones; draw() is not timed."""
    times, cpu = [], []
    for s in range(steps + 3):
        args = draw()
        t0, c0 = time.perf_counter(), time.process_time()
        step(*args)
        if s >= 3:
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
    return median(times), median(cpu)


def descend(opt, loss):
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()


def shared_step_bench(loss_name, B, N, lazy, steps):
    users, items = tables(sparse=lazy)
    params = list(users.parameters()) + list(items.parameters())
    opt = torch.optim.SparseAdam(params, lr=1e-3) if lazy else torch.optim.Adam(params, lr=1e-3)
    tau, l2 = 0.1, 1e-3

    def draw():
        return torch.randint(0, N_USERS, (B,)), torch.randint(0, N_ITEMS, (B,)), torch.randint(0, N_ITEMS, (N,))

    def step(u_ids, p_ids, n_ids):
        u0, p0, n0 = users(u_ids), items(p_ids), items(n_ids)
        u = F.normalize(F.dropout(u0, 0.1, training=True), dim=-1)
        p, n = F.normalize(p0, dim=-1), F.normalize(n0, dim=-1)
        pos = (u * p).sum(-1)
        neg = u @ n.t()
        if loss_name == 'ssm':
            logits = torch.cat([pos.unsqueeze(1), neg], 1) / tau
            loss = (torch.logsumexp(logits, 1) - logits[:, 0]).mean()
        else:
            loss = (F.relu(1 - pos) + 150 * F.relu(neg - 0.9).mean(1)).mean()
        descend(opt, loss + 0.5 * l2 / B * (u0.pow(2).sum() + p0.pow(2).sum() + n0.pow(2).sum()))

    return timed_steps(steps, draw, step)


def perrow_step_bench(B, K, steps):
    users, items = tables(sparse=True)
    opt = torch.optim.SparseAdam(list(users.parameters()) + list(items.parameters()), lr=1e-3)
    l2, pos_inv_tau = 1e-3, 8.6

    def draw():
        return (torch.randint(0, N_USERS, (B,)), torch.randint(0, N_ITEMS, (B,)), torch.randint(0, N_ITEMS, (B, K)),
                0.08 + 0.04 * torch.rand(B))

    def step(u_ids, p_ids, n_ids, tau):
        u0, p0, n0 = users(u_ids), items(p_ids), items(n_ids)
        u = F.normalize(F.dropout(u0, 0.1, training=True), dim=-1)
        p, n = F.normalize(p0, dim=-1), F.normalize(n0, dim=-1)
        pos = (u * p).sum(-1) * pos_inv_tau
        neg = torch.bmm(n, u.unsqueeze(2)).squeeze(2) / tau.unsqueeze(1)
        logits = torch.cat([pos.unsqueeze(1), neg], 1)
        loss = (torch.logsumexp(logits, 1) - logits[:, 0]).mean()
        descend(opt, loss + 0.5 * l2 / B * (u0.pow(2).sum() + p0.pow(2).sum() + n0.pow(2).sum()))

    return timed_steps(steps, draw, step)


def load_split(path):
    users, items = [], []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 2:
                continue
            u = int(parts[0])
            for it in parts[1:]:
                users.append(u)
                items.append(int(it))
    return np.asarray(users, dtype=np.int64), np.asarray(items, dtype=np.int64)


def data(path):
    if path and os.path.exists(os.path.join(path, 'train.txt')):
        tu, ti = load_split(os.path.join(path, 'train.txt'))
        su, si = load_split(os.path.join(path, 'test.txt'))
        return tu, ti, su, si, int(max(tu.max(), su.max()) + 1), int(max(ti.max(), si.max()) + 1)
    rng = np.random.default_rng(0)  # Yelp2018's shape when the data set is absent
    tu = rng.integers(0, N_USERS, 1237259)
    ti = rng.integers(0, N_ITEMS, 1237259)
    su = rng.integers(0, N_USERS, 324147)
    si = rng.integers(0, N_ITEMS, 324147)
    return tu, ti, su, si, N_USERS, N_ITEMS


def csr(u, i, n_users):
    order = np.lexsort((i, u))
    u, i = u[order], i[order]
    indptr = np.zeros(n_users + 1, dtype=np.int64)
    np.add.at(indptr, u + 1, 1)
    return np.cumsum(indptr), i


def bpr_epoch(path, epochs):
    tu, ti, _, _, n_users, n_items = data(path)
    indptr, indices = csr(tu, ti, n_users)
    keys = np.sort(tu * n_items + ti)
    g = torch.Generator().manual_seed(2)
    users = torch.nn.Embedding(n_users, D, sparse=True)
    items = torch.nn.Embedding(n_items, D, sparse=True)
    with torch.no_grad():
        users.weight.normal_(0, 0.1, generator=g)
        items.weight.normal_(0, 0.1, generator=g)
    opt = torch.optim.SparseAdam(list(users.parameters()) + list(items.parameters()), lr=1e-3)
    rng = np.random.default_rng(3)
    B, l2 = 2048, 1e-4
    times, cpu = [], []
    for _ in range(epochs):
        t0, c0 = time.perf_counter(), time.process_time()
        perm = rng.permutation(len(tu))
        for start in range(0, len(perm), B):
            rows = perm[start:start + B]
            u_np, p_np = tu[rows], ti[rows]
            n_np = rng.integers(0, n_items, len(rows))
            while True:  # reject training items, redraw those
                k = u_np * n_items + n_np
                bad = keys[np.minimum(np.searchsorted(keys, k), len(keys) - 1)] == k
                if not bad.any():
                    break
                n_np[bad] = rng.integers(0, n_items, int(bad.sum()))
            u_ids, p_ids, n_ids = torch.from_numpy(u_np), torch.from_numpy(p_np), torch.from_numpy(n_np)
            u, p, n = users(u_ids), items(p_ids), items(n_ids)
            loss = F.softplus((u * n).sum(-1) - (u * p).sum(-1)).mean()
            descend(opt, loss + 0.5 * l2 / len(rows) * (u.pow(2).sum() + p.pow(2).sum() + n.pow(2).sum()))
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    del indptr, indices
    return median(times), median(cpu)


def evaluation(path, runs):
    tu, ti, su, si, n_users, n_items = data(path)
    g = torch.Generator().manual_seed(4)
    U = torch.randn(n_users, D, generator=g) * 0.1
    I = torch.randn(n_items, D, generator=g) * 0.1
    train_ptr, train_idx = csr(tu, ti, n_users)
    test_ptr, test_idx = csr(su, si, n_users)
    test_users = np.nonzero(np.diff(test_ptr))[0]
    K = 20
    disc = 1.0 / np.log2(np.arange(2, K + 2))
    times, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        recall = ndcg = 0.0
        with torch.no_grad():
            for start in range(0, len(test_users), 1024):
                block = test_users[start:start + 1024]
                scores = U[torch.from_numpy(block)] @ I.t()
                rows = np.repeat(np.arange(len(block)), np.diff(train_ptr)[block])
                cols = np.concatenate([train_idx[train_ptr[b]:train_ptr[b + 1]] for b in block])
                scores[torch.from_numpy(rows), torch.from_numpy(cols)] = -math.inf
                top = torch.topk(scores, K, dim=1).indices.numpy()
                for r, b in enumerate(block):
                    truth = test_idx[test_ptr[b]:test_ptr[b + 1]]
                    hit = np.isin(top[r], truth)
                    recall += hit.sum() / len(truth)
                    idcg = disc[:min(len(truth), K)].sum()
                    ndcg += (hit * disc).sum() / idcg
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return median(times), median(cpu)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--rows', default='ssm,ccl,bpr,eval')
    ap.add_argument('--data', default='')
    ap.add_argument('--steps', type=int, default=20)
    ap.add_argument('--epochs', type=int, default=1)
    a = ap.parse_args()
    for row in a.rows.split(','):
        if row == 'ssm':
            (wall, cpu), unit = shared_step_bench('ssm', 2048, 1024, True, a.steps), 'ms'
        elif row == 'ccl':
            (wall, cpu), unit = shared_step_bench('ccl', 512, 800, False, a.steps), 'ms'
        elif row == 'bpr':
            (wall, cpu), unit = bpr_epoch(a.data, a.epochs), 's'
        elif row == 'eval':
            (wall, cpu), unit = evaluation(a.data, a.epochs), 's'
        elif row == 'perrow':
            (wall, cpu), unit = perrow_step_bench(2048, 1024, a.steps), 'ms'
        else:
            raise SystemExit(f'unknown row {row}')
        print(f'ROW {row} {wall:.4g} {unit} cpu {cpu:.4g} {unit}', flush=True)


if __name__ == '__main__':
    main()

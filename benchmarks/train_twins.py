"""PyTorch twins of the MNIST trainers, each trained once at its ctnn trainer's default budget (the
seed's: docs/examples.md) on the same data, and scored the way ctnn's trainers score: for
docs/results.md's "PyTorch twin" column. Not run in CI (hours of CPU at the full budgets).

    /usr/bin/python3 benchmarks/train_twins.py [--only dcgan,vae] [--seed 1] [--threads 2]
                                               [--data data/mnist] [--out runs/torch_twins]

The networks are benchmarks/torch_twins.py's (ctnn's layer order). Each twin trains as ctnn's
trainer does: one D step then one G step per batch, batches of the shuffled training images in
[-1, 1] with the last partial batch dropped, D's loss summed over its real and fake halves. The
scores use a twin of mnist_classifier (784-512-512-10, RMSprop, seed 003's 20 epochs), trained
first: the Inception Score of 10,000 samples, and the Frechet distance of their penultimate
features (the second ReLU's, Dropout off) to the 10,000 test digits, next to the same scores of
real digits. The classifier is torch's own twin, not ctnn's, so the scores compare the two
libraries' training up to the difference between two classifiers of about the same accuracy. Where ctnn's own classifier exists (--ctnn-classifier, mnist_classifier's
classifier.safetensors, whose keys are this Sequential's), the samples are scored with it too
(metrics.json's "ctnn_classifier"), so that a twin and a ctnn trainer compare on one scale;
--score-only adds that block to the twins already in OUT, training nothing.
Writes OUT/<name>/{samples.npy, metrics.json} and prints one line per twin.
"""

import argparse
import json
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_twins as tw  # noqa: E402


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * rank).reshape(dims)


def load(data, prefix):
    images = read_idx(os.path.join(data, f"{prefix}-images-idx3-ubyte"))
    labels = read_idx(os.path.join(data, f"{prefix}-labels-idx1-ubyte"))
    return torch.from_numpy(images.astype(np.float32) / 255).unsqueeze(1), torch.from_numpy(labels.astype(np.int64))


def batches(n, batch, shuffle, drop_last=True):
    order = torch.randperm(n) if shuffle else torch.arange(n)
    end = n - n % batch if drop_last else n
    return [order[i:i + batch] for i in range(0, end, batch)]


# ---- the scores ---------------------------------------------------------------------------------

def train_classifier(train_x, train_y, epochs=20, batch=128):
    net = tw.classifier_net()
    opt = torch.optim.RMSprop(net.parameters(), lr=1e-3, alpha=0.9)
    net.train()
    for _ in range(epochs):
        for idx in batches(len(train_x), batch, True, drop_last=False):
            loss = F.cross_entropy(net(train_x[idx]), train_y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return net.eval()


@torch.no_grad()
def classify(net, images):
    """p(y|x) and the penultimate features (float64) of images in [0, 1]."""
    probs, feats = [], []
    for i in range(0, len(images), 500):
        h = net[:6](images[i:i + 500])  # Flatten, Linear, ReLU, Dropout, Linear, ReLU
        probs.append(F.softmax(net[6:](h), dim=1).double())
        feats.append(h.double())
    return torch.cat(probs).numpy(), torch.cat(feats).numpy()


def load_ctnn_classifier(path):
    """ctnn's mnist_classifier (a safetensors file of float32 tensors) in the classifier twin."""
    with open(path, "rb") as f:
        data = f.read()
    size = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + size])
    state = {}
    for key, entry in header.items():
        if key == "__metadata__":
            continue
        if entry["dtype"] != "F32":
            raise SystemExit(f"train_twins.py: {path}: tensor '{key}' is {entry['dtype']}, not F32")
        begin, end = entry["data_offsets"]
        values = np.frombuffer(data, np.float32, count=(end - begin) // 4, offset=8 + size + begin)
        state[key.removeprefix("classifier.")] = torch.from_numpy(values.reshape(entry["shape"]).copy())
    with torch.random.fork_rng():  # its initial weights, overwritten, must not move the twins' random stream
        net = tw.classifier_net()
    net.load_state_dict(state)
    return net.eval()


def scorer(net, test_x, train_x):
    """Real digits' scores under net, and a function that scores samples with it."""
    p_test, f_test = classify(net, test_x)
    p_train, f_train = classify(net, train_x[:len(test_x)])
    real = {"inception_score_real_heldout": inception_score(p_test),
            "frechet_distance_real_train": frechet_distance(f_train, f_test)}

    def score(samples):
        p, f = classify(net, samples)
        return {"inception_score": inception_score(p), "frechet_distance": frechet_distance(f, f_test),
                "label_histogram": np.bincount(p.argmax(axis=1), minlength=10).tolist()}
    return real, score


def inception_score(p):
    marginal = p.mean(axis=0, keepdims=True)
    kl = (p * (np.log(np.maximum(p, 1e-300)) - np.log(np.maximum(marginal, 1e-300)))).sum(axis=1)
    return float(np.exp(kl.mean()))


def frechet_distance(a, b):
    """As ctnn::metrics::frechet_distance: unbiased covariances, tr((S_a S_b)^(1/2)) by eigh."""
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    w, v = np.linalg.eigh(s_a)
    half = (v * np.sqrt(np.maximum(w, 0))) @ v.T
    trace_sqrt = np.sqrt(np.maximum(np.linalg.eigvalsh(half @ s_b @ half), 0)).sum()
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(s_a) + np.trace(s_b) - 2 * trace_sqrt)


# ---- the trainers (docs/examples.md: each default and its seed's cell) ------------------------------

def uniform(n, dim):
    return torch.rand(n, dim) * 2 - 1


GANS = {
    # name: generator, discriminator, loss, noise, (lr_g, lr_d), betas, weight decay, labels, batch, epochs, shuffle
    # (and for seed 001's lab, LAB_LOOP below)
    "dcgan": (tw.dcgan_generator, tw.dcgan_discriminator, "least_squares", lambda n: uniform(n, 10), (1e-3, 1e-3),
              (0.5, 0.999), 0, (1.0, 0.0), 128, 5, True),
    "mlp_gan": (tw.mlp_generator, tw.mlp_discriminator, "bce_with_logits", lambda n: uniform(n, 10), (1e-3, 1e-3),
                (0.5, 0.999), 0, (1.0, 0.0), 128, 10, True),
    "lsgan": (tw.mlp_generator, tw.mlp_discriminator, "least_squares", lambda n: uniform(n, 10), (1e-3, 1e-3),
              (0.5, 0.999), 0, (1.0, 0.0), 128, 10, True),
    "gan_bn": (tw.bn_generator, tw.dropout_discriminator, "bce", lambda n: torch.randn(n, 128), (1e-4, 5e-5),
               (0.5, 0.999), 0, (0.9, 0.1), 32, 30, True),
    # seed 004's MLP GAN on the digits (cifar_mlp_gan --data mnist): Adam's default betas
    "cifar_mlp_gan": (tw.cifar_mlp_generator, tw.cifar_mlp_discriminator, "bce", lambda n: torch.randn(n, 100),
                      (2e-4, 2e-4), (0.9, 0.999), 0, (1.0, 0.0), 4, 1, True),
    "gan_lab": (tw.lab_generator, tw.lab_discriminator, "bce", lambda n: torch.randn(n, 100), (1e-3, 1e-3),
                (0.9, 0.999), 1e-5, (1.0, 0.0), 128, 5, False),
}


# Seed 001's lab loop, as mnist_gan_lab runs it: D sees ToTensor() images in [0, 1], and G's step
# scores the D step's fakes again (same noise, D just updated). Its samples are scored as they are,
# clamped to [0, 1].
LAB_LOOP = {"gan_lab"}


def train_gan(name, train_x):
    make_g, make_d, loss, noise, (lr_g, lr_d), betas, wd, (real_label, fake_label), batch, epochs, shuffle = GANS[name]
    lab = name in LAB_LOOP
    criterion = tw.LOSSES[loss]
    g, d = make_g(), make_d()
    g_opt = torch.optim.Adam(g.parameters(), lr=lr_g, betas=betas, weight_decay=wd)
    d_opt = torch.optim.Adam(d.parameters(), lr=lr_d, betas=betas, weight_decay=wd)
    real_images = train_x if lab else train_x * 2 - 1
    steps = 0
    for _ in range(epochs):
        for idx in batches(len(real_images), batch, shuffle):
            real = real_images[idx]
            z = noise(len(real))
            with torch.no_grad():
                fake = g(z)
            d_loss = (criterion(d(real), torch.full((len(real), 1), real_label)) +
                      criterion(d(fake), torch.full((len(real), 1), fake_label)))
            d_opt.zero_grad(set_to_none=True)
            d_loss.backward()
            d_opt.step()
            for p in d.parameters():
                p.requires_grad_(False)
            g_loss = criterion(d(g(z if lab else noise(len(real)))), torch.ones(len(real), 1))
            g_opt.zero_grad(set_to_none=True)
            g_loss.backward()
            g_opt.step()
            for p in d.parameters():
                p.requires_grad_(True)
            steps += 1
    g.eval()
    with torch.no_grad():
        samples = torch.cat([g(noise(500)) if lab else (g(noise(500)) + 1) / 2 for _ in range(20)]).clamp(0, 1)
    return samples, {"steps": steps, "epochs": epochs, "batch": batch, "loss": loss}


def train_vae(train_x, epochs=20, batch=128):
    encoder, decoder = tw.vae_encoder(), tw.vae_decoder()
    opt = torch.optim.Adam(list(encoder.parameters()) + list(decoder.parameters()), lr=1e-3)
    steps, last_epoch = 0, []
    for epoch in range(epochs):
        last_epoch = []
        for idx in batches(len(train_x), batch, True):
            target = train_x[idx]
            stats = encoder(target * 2 - 1)
            mu, log_var = stats[:, :tw.VAE_Z], stats[:, tw.VAE_Z:]
            z = mu + torch.randn_like(mu) * torch.exp(0.5 * log_var)
            reconstruction = F.binary_cross_entropy_with_logits(decoder(z), target, reduction="none").sum(dim=(1, 2, 3)).mean()
            kl = (-0.5 * (1 + log_var - mu ** 2 - log_var.exp()).sum(dim=1)).mean()
            opt.zero_grad(set_to_none=True)
            (reconstruction + kl).backward()
            opt.step()
            last_epoch.append(reconstruction.item())
            steps += 1
    with torch.no_grad():
        samples = torch.sigmoid(decoder(torch.randn(10000, tw.VAE_Z)))
    return samples, {"steps": steps, "epochs": epochs, "batch": batch,
                     "reconstruction_loss": float(np.mean(last_epoch))}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    names = list(GANS) + ["vae"]
    parser.add_argument("--only", default=",".join(names), help=f"comma-separated subset of: {','.join(names)}")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--data", default="data/mnist", help="folder of MNIST's four IDX files (scripts/prepare-data.sh)")
    parser.add_argument("--out", default="runs/torch_twins")
    parser.add_argument("--ctnn-classifier", default="runs/mnist_classifier/classifier.safetensors",
                        help="ctnn's digit classifier, also scoring the samples where it exists (none: skip)")
    parser.add_argument("--score-only", action="store_true",
                        help="train nothing: score OUT/<name>/samples.npy with --ctnn-classifier into its metrics.json")
    args = parser.parse_args()
    for name in args.only.split(","):
        if name not in names:
            raise SystemExit(f"train_twins.py: unknown twin '{name}'; the twins are: {' '.join(names)}")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    train_x, train_y = load(args.data, "train")
    test_x, _ = load(args.data, "t10k")
    ctnn = None
    if args.ctnn_classifier != "none" and os.path.exists(args.ctnn_classifier):
        ctnn_real, ctnn_score = scorer(load_ctnn_classifier(args.ctnn_classifier), test_x, train_x)
        ctnn = lambda samples: {**ctnn_score(samples), **ctnn_real}  # noqa: E731
    elif args.score_only:
        raise SystemExit(f"train_twins.py: --score-only needs ctnn's classifier, and {args.ctnn_classifier} does not exist")

    if args.score_only:
        for name in args.only.split(","):
            folder = os.path.join(args.out, name)
            if not os.path.exists(os.path.join(folder, "samples.npy")):
                raise SystemExit(f"train_twins.py: {folder}/samples.npy does not exist: train the twin '{name}' first")
            with open(os.path.join(folder, "metrics.json")) as f_in:
                m = json.load(f_in)
            m["ctnn_classifier"] = ctnn(torch.from_numpy(np.load(os.path.join(folder, "samples.npy"))))
            with open(os.path.join(folder, "metrics.json"), "w") as f_out:
                json.dump(m, f_out, indent=2)
            print(f"{name}: ctnn's classifier: IS {m['ctnn_classifier']['inception_score']:.3f}, "
                  f"Frechet distance {m['ctnn_classifier']['frechet_distance']:.2f}")
        return

    start = time.time()
    real, score = scorer(train_classifier(train_x, train_y), test_x, train_x)
    real["classifier_seconds"] = time.time() - start
    print(f"classifier twin: real test digits IS {real['inception_score_real_heldout']:.3f}, "
          f"training digits' Frechet distance to them {real['frechet_distance_real_train']:.2f}")

    for name in args.only.split(","):
        torch.manual_seed(args.seed)
        start = time.time()
        samples, m = train_vae(train_x) if name == "vae" else train_gan(name, train_x)
        m["train_seconds"] = time.time() - start
        m.update({**score(samples), **real})
        if ctnn:
            m["ctnn_classifier"] = ctnn(samples)
        os.makedirs(os.path.join(args.out, name), exist_ok=True)
        np.save(os.path.join(args.out, name, "samples.npy"), samples.numpy())
        with open(os.path.join(args.out, name, "metrics.json"), "w") as f_out:
            json.dump(m, f_out, indent=2)
        print(f"{name}: {m['steps']} steps, {m['train_seconds']:.0f} s, IS {m['inception_score']:.3f} "
              f"(real {real['inception_score_real_heldout']:.3f}), Frechet distance {m['frechet_distance']:.2f} "
              f"(real {real['frechet_distance_real_train']:.2f})"
              + (f"; ctnn's classifier: IS {m['ctnn_classifier']['inception_score']:.3f}, "
                 f"Frechet distance {m['ctnn_classifier']['frechet_distance']:.2f}" if ctnn else ""))

if __name__ == "__main__":
    main()

"""The demo report's CDNOW numbers from a notebook: pandas in, engagement out.

    python examples/python/cdnow_report.py [data/cdnow/CDNOW_sample.txt]

Loads the CDNOW 1/10th sample with pandas (customer = the sample id, one purchase per row, dates
as midnight UTC), builds profiles, and prints customers per journey stage, purchase figures, churn in
the first half of 1998, and RFM segment sizes - the same numbers as
`cargo run --release -p engagement-core --example report`.
"""

import pathlib
import sys

import pandas as pd

import engagement

ROOT = pathlib.Path(__file__).resolve().parents[2]


def load(path):
    df = pd.read_csv(path, sep=r"\s+", header=None, names=["master_id", "customer", "date", "cds", "dollars"])
    df["time"] = pd.to_datetime(df["date"].astype(str), format="%Y%m%d", utc=True)
    df["channel"] = "web"
    df["kind"] = "purchase"
    df["value"] = df["dollars"]
    return df[["customer", "time", "channel", "kind", "value"]]


def main(path):
    df = load(path)
    as_of = pd.Timestamp("1998-07-01", tz="UTC") - pd.Timedelta(seconds=1)
    store = engagement.ProfileStore()
    store.push_frame(df)
    print(f"{len(df)} touchpoints, {len(store)} customers, as of {as_of.date()}")

    stages = pd.Series(store.stages(as_of.to_pydatetime())["stage"]).value_counts()
    print("\nCustomers per journey stage")
    for stage in engagement.STAGES:
        print(f"  {stage:<14} {int(stages.get(stage, 0)):>6}")

    summary = store.purchase_summary()
    repeat = store.repeat_purchase_rate()
    print(f"\n{summary.orders} orders, revenue {summary.revenue:.2f}, average order value "
          f"{summary.average_order_value:.2f}; repeat-purchase rate {100 * repeat.rate:.1f} %")

    churn = engagement.churn_between(df["customer"], df["time"], df["channel"], df["kind"], df["value"],
                                     until=as_of.to_pydatetime(), start=pd.Timestamp("1998-01-01").to_pydatetime(),
                                     end=pd.Timestamp("1998-07-01").to_pydatetime())
    print(f"\nChurn 1998-01-01 .. 1998-06-30: {churn.at_start} buyers at the start, {churn.lost} lost, "
          f"{churn.new} new or returning, {churn.at_end} at the end; churn {100 * churn.churn.rate:.1f} %")

    rfm = pd.Series(store.rfm(as_of.to_pydatetime())["segment"]).value_counts()
    print("\nRFM segments")
    for name, n in rfm.items():
        print(f"  {name:<20} {n:>6}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ROOT / "data" / "cdnow" / "CDNOW_sample.txt")

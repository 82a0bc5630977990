#include <iostream>
#include <retain/retain.hpp>
#include <vector>

int main() {
    // A long MRR table: one row per (account, month) line item.
    std::vector<std::int64_t> account = {101, 101, 102, 102, 103};
    std::vector<std::int64_t> month = {retain::month_of(2024, 1), retain::month_of(2024, 2),
                                       retain::month_of(2024, 1), retain::month_of(2024, 2),
                                       retain::month_of(2024, 2)};
    std::vector<double> mrr = {100.0, 150.0, 50.0, 0.0, 80.0};

    retain::IdIndex<std::int64_t> accounts;  // ids <-> dense codes, filled on the way in
    const auto table = retain::MrrTable::from_ids(accounts, account, month, mrr);
    const auto mv = retain::kpi::mrr_movements(table);
    for (std::size_t k = 0; k < mv.size(); ++k)
        std::cout << retain::format_month(mv.first_month + static_cast<int>(k)) << " new "
                  << mv.new_mrr[k] << " expansion " << mv.expansion[k] << " churned "
                  << mv.churned[k] << " ending " << mv.ending_mrr[k] << '\n';
    std::cout << "LTV " << retain::kpi::ltv(50'000, 0.75, 1.0 / 12) << '\n';
}

//! Learning content: areas, competences, tubes, skills, challenges and tutorials.
